using System.IO.Compression;
using Pulse.Emulator.Cli;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>Layers unzipped in order into a temporary /opt, and the RIE-compatible command line.</summary>
public sealed class LayerAndOptionsTests
{
    private static void WriteZip(string path, params (string Name, string Content, int Mode)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content, mode) in entries)
        {
            var entry = zip.CreateEntry(name);
            entry.ExternalAttributes = (0x8000 | mode) << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Layers_are_unzipped_in_order_with_their_unix_modes_and_their_extensions_run()
    {
        await using var run = new SandboxRun();
        var first = Path.Combine(run.Dir, "first.zip");
        var second = Path.Combine(run.Dir, "second.zip");
        var extension = $"#!/bin/sh\n. '{Path.Combine(run.Dir, "lib.sh")}'\n" + Scripts.Extension("from-layer") + "\n";
        WriteZip(first, ("extensions/from-layer", extension, 0b111_101_101), ("data.txt", "first", 0b110_100_100));
        WriteZip(second, ("data.txt", "second", 0b110_100_100));
        run.Options.OptDir = null;
        run.Options.Layers.Add(first);
        run.Options.Layers.Add(second);
        run.AddExtension("ignored-not-in-layers", "exit 1");
        await run.StartAsync();
        var (_, body) = await run.InvokeAsync("{}");
        Assert.Equal("{}", body);
        var extension0 = run.Events("platform.extension").Single()["record"]!;
        Assert.Equal("from-layer", (string?)extension0["name"]);
        Assert.Equal("Ready", (string?)extension0["state"]);
        var opt = (string)run.Records("lifecycle").First(r => (string?)r["step"] == "configure")["opt"]!;
        Assert.Equal("second", File.ReadAllText(Path.Combine(opt, "data.txt")));
    }

    [Fact]
    public void Environment_gives_the_function_settings_and_options_override_them()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_FUNCTION_NAME"] = "from-env", ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512", ["AWS_LAMBDA_FUNCTION_TIMEOUT"] = "30",
            ["AWS_REGION"] = "eu-west-1", ["_HANDLER"] = "index.handler", ["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/wrapper",
        };
        var options = EmulatorOptions.Parse(new[] { "--memory", "1024", "--listen=0.0.0.0:9999", "./bootstrap", "--flag", "x" }, env, out var error)!;
        Assert.Null(error);
        Assert.Equal("from-env", options.FunctionName);
        Assert.Equal(1024, options.MemorySizeMb);
        Assert.Equal(30, options.TimeoutSeconds);
        Assert.Equal("eu-west-1", options.Region);
        Assert.Equal("index.handler", options.Handler);
        Assert.Equal("/opt/wrapper", options.ExecWrapper);
        Assert.Equal(("0.0.0.0", 9999), (options.ListenHost, options.ListenPort));
        Assert.Equal("./bootstrap", options.Bootstrap);
        Assert.Equal(new[] { "--flag", "x" }, options.BootstrapArgs);

        var defaults = EmulatorOptions.Parse(new[] { "b" }, new Dictionary<string, string>(), out _)!;
        Assert.Equal((128, 3, "us-east-1", "$LATEST", 8080, 9001), (defaults.MemorySizeMb, defaults.TimeoutSeconds, defaults.Region, defaults.FunctionVersion, defaults.ListenPort, defaults.RuntimeApiPort));
    }

    [Theory]
    [InlineData(new string[0], "missing <bootstrap>")]
    [InlineData(new[] { "--memory", "64", "b" }, "--memory")]
    [InlineData(new[] { "--listen", "nope", "b" }, "HOST:PORT")]
    [InlineData(new[] { "--bogus", "b" }, "unknown option")]
    [InlineData(new[] { "--timeout" }, "needs a value")]
    public void Bad_command_lines_are_refused_with_a_clear_message(string[] args, string messagePart)
    {
        Assert.Null(EmulatorOptions.Parse(args, new Dictionary<string, string>(), out var error));
        Assert.Contains(messagePart, error);
    }

    [Fact(Timeout = 60_000)]
    public async Task Exec_wrapper_runs_the_bootstrap_and_the_runtime_sees_Lambda_environment()
    {
        await using var run = new SandboxRun("""
            echo "env handler=$_HANDLER group=$AWS_LAMBDA_LOG_GROUP_NAME stream=${AWS_LAMBDA_LOG_STREAM_NAME:+set} root=$LAMBDA_TASK_ROOT mem=$AWS_LAMBDA_FUNCTION_MEMORY_SIZE wrapped=$WRAPPED custom=$CUSTOM tz=$TZ"
            """ + "\n" + Scripts.Runtime);
        var wrapper = run.WriteScript(Path.Combine(run.Dir, "wrapper"), "export WRAPPED=yes\nexec \"$@\"");
        run.Options.ExecWrapper = wrapper;
        run.Options.CustomerEnvironment["CUSTOM"] = "c1";
        run.Options.FunctionName = "envfn";
        await run.StartAsync();
        var (_, body) = await run.InvokeAsync("{}");
        Assert.Equal("{}", body);
        Assert.Contains($"env handler=function.handler group=/aws/lambda/envfn stream=set root={Path.Combine(run.Dir, "task")} mem=128 wrapped=yes custom=c1 tz=:UTC", run.Output.Lines);
    }
}
