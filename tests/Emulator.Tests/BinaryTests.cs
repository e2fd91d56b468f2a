using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;
using Pulse.Testing;

namespace Pulse.Emulator.Tests;

/// <summary>The published AOT binary (dist/lambda-emulator, `make emulator`): batch mode, exit status, signals, --record file.</summary>
public sealed class BinaryTests
{
    private sealed class Run(Process process, StringBuilder stdout, StringBuilder stderr)
    {
        public Process Process { get; } = process;
        public string Stdout { get { lock (stdout) return stdout.ToString(); } }
        public string Stderr { get { lock (stderr) return stderr.ToString(); } }
    }

    private static Run Start(params string[] args)
    {
        var binary = TestEnvironment.RequireArtifact("lambda-emulator", "emulator");
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Run(process, stdout, stderr);
    }

    private static async Task<int> WaitAsync(Run run, int timeoutMs = 30_000)
    {
        using var cancel = new CancellationTokenSource(timeoutMs);
        try { await run.Process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException) { run.Process.Kill(entireProcessTree: true); throw new TimeoutException($"the emulator did not exit; stderr:\n{run.Stderr}"); }
        run.Process.WaitForExit();
        return run.Process.ExitCode;
    }

    [Fact(Timeout = 90_000)]
    public async Task Batch_mode_runs_N_invocations_writes_the_record_and_exits_0()
    {
        await using var sandbox = new SandboxRun();
        sandbox.AddExtension("ext", Scripts.Extension("ext"));
        var payload = Path.Combine(sandbox.Dir, "event.json");
        File.WriteAllText(payload, "{\"n\":1}");
        var record = Path.Combine(sandbox.Dir, "record.jsonl");
        var run = Start("--listen", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}", "--runtime-api", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}",
            "--opt", sandbox.Opt, "--record", record, "--invoke", payload, "--invocations", "3", sandbox.Bootstrap);
        try
        {
            Assert.Equal(0, await WaitAsync(run));
            Assert.Contains("3 of 3 invocations succeeded", run.Stderr);
            Assert.Equal(3, run.Stdout.Split('\n').Count(l => l.StartsWith("REPORT RequestId: ")));
            Assert.Contains("\"shutdownReason\":\"spindown\"", run.Stdout);
            var lines = File.ReadAllLines(record).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            Assert.All(lines, l => { Assert.NotNull(l["t"]); Assert.NotNull(l["wall"]); Assert.NotNull(l["kind"]); });
            var invokes = lines.Where(l => (string?)l["kind"] == "invoke").ToList();
            Assert.Equal(3, invokes.Count);
            Assert.All(invokes, i =>
            {
                Assert.Equal("success", (string?)i["status"]);
                Assert.True((double)i["runtimeNextT"]! >= (double)i["startT"]!);
                Assert.True((double)i["extensionNextT"]!["ext"]! >= (double)i["startT"]!);
            });
            Assert.Contains(lines, l => (string?)l["kind"] == "lifecycle" && (string?)l["step"] == "shutdown-complete");
        }
        finally { if (!run.Process.HasExited) run.Process.Kill(entireProcessTree: true); }
    }

    [Fact(Timeout = 90_000)]
    public async Task Batch_mode_exits_1_when_an_invocation_fails()
    {
        await using var sandbox = new SandboxRun();
        var payload = Path.Combine(sandbox.Dir, "event.json");
        File.WriteAllText(payload, "\"error\"");
        var run = Start("--listen", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}", "--runtime-api", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}",
            "--invoke", payload, "--invocations", "2", sandbox.Bootstrap);
        try
        {
            Assert.Equal(1, await WaitAsync(run));
            Assert.Contains("0 of 2 invocations succeeded", run.Stderr);
            Assert.Contains("Function.MyError", run.Stderr);
        }
        finally { if (!run.Process.HasExited) run.Process.Kill(entireProcessTree: true); }
    }

    [Fact(Timeout = 90_000)]
    public async Task SIGTERM_runs_the_SHUTDOWN_phase_with_spindown_and_exits_0()
    {
        await using var sandbox = new SandboxRun();
        sandbox.AddExtension("ext", Scripts.Extension("ext"));
        var listen = TestEnvironment.FreeTcpPort();
        var run = Start("--listen", $"127.0.0.1:{listen}", "--runtime-api", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}", "--opt", sandbox.Opt, sandbox.Bootstrap);
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            string? body = null;
            for (var i = 0; i < 100 && body is null; i++)
            {
                try { body = await (await client.PostAsync($"http://127.0.0.1:{listen}/2015-03-31/functions/function/invocations", new StringContent("{\"hi\":1}"))).Content.ReadAsStringAsync(); }
                catch (HttpRequestException) { await Task.Delay(100); }
            }
            Assert.Equal("{\"hi\":1}", body);
            using (var kill = Process.Start("kill", new[] { "-TERM", run.Process.Id.ToString() })) await kill.WaitForExitAsync();
            Assert.Equal(0, await WaitAsync(run));
            Assert.Contains("ext got {\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"spindown\"", run.Stdout);
            Assert.Contains("runtime got SIGTERM", run.Stdout);
        }
        finally { if (!run.Process.HasExited) run.Process.Kill(entireProcessTree: true); }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_bad_command_line_exits_2_with_the_usage()
    {
        var run = Start("--memory", "12", "x");
        Assert.Equal(2, await WaitAsync(run));
        Assert.Contains("--memory must be an integer in 128..10240", run.Stderr);
        Assert.Contains("usage: lambda-emulator", run.Stderr);
    }
}
