using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Cli;
using Pulse.Emulator.Hosting;
using Pulse.Testing;

namespace Pulse.Emulator.Tests.Support;

/// <summary>
/// One emulator run in-process on free ports, with a scripted runtime and extensions in a temp folder.
/// Disposal runs the SHUTDOWN phase, kills whatever is left and deletes the folder.
/// </summary>
public sealed class SandboxRun : IAsyncDisposable
{
    private EmulatorHost? _host;

    public SandboxRun(string? runtimeBody = null)
    {
        Dir = Directory.CreateTempSubdirectory("emulator-test-").FullName;
        Opt = Path.Combine(Dir, "opt");
        Directory.CreateDirectory(Path.Combine(Opt, "extensions"));
        Directory.CreateDirectory(Path.Combine(Dir, "task"));
        File.WriteAllText(Path.Combine(Dir, "lib.sh"), Scripts.Library + "\n");
        Bootstrap = WriteScript(Path.Combine(Dir, "task", "bootstrap"), runtimeBody ?? Scripts.Runtime);
        var environment = new Dictionary<string, string>();
        Options = EmulatorOptions.Parse(new[] { Bootstrap }, environment, out _)!;
        Options.ListenPort = TestEnvironment.FreeTcpPort();
        Options.RuntimeApiPort = TestEnvironment.FreeTcpPort();
        Options.OptDir = Opt;
        Options.TimeoutSeconds = 10;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Options.ListenPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Dir { get; }
    public string Opt { get; }
    public string Bootstrap { get; }
    public EmulatorOptions Options { get; }
    public HttpClient Client { get; }
    public CapturingWriter Output { get; } = new();
    public CapturingWriter Diagnostics { get; } = new();
    public EmulatorHost Host => _host ?? throw new InvalidOperationException("not started");

    /// <summary>Writes an executable sh script that sources the shared library.</summary>
    public string WriteScript(string path, string body, bool executable = true)
    {
        File.WriteAllText(path, $"#!/bin/sh\n. '{Path.Combine(Dir, "lib.sh")}'\n{body}\n");
        File.SetUnixFileMode(path, executable ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
        return path;
    }

    public string AddExtension(string name, string body, bool executable = true) =>
        WriteScript(Path.Combine(Opt, "extensions", name), body, executable);

    public async Task StartAsync()
    {
        _host = new EmulatorHost(Options, Output, Diagnostics, recordInMemory: true);
        await _host.StartAsync();
    }

    public async Task<(HttpResponseMessage Response, string Body)> InvokeAsync(string payload)
    {
        var response = await Client.PostAsync("/2015-03-31/functions/function/invocations", new StringContent(payload, Encoding.UTF8, "application/json"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public IReadOnlyList<JsonObject> Records(string kind) => Host.Recorder.Snapshot().Where(r => (string?)r["kind"] == kind).ToList();

    /// <summary>Platform events as generated, in order.</summary>
    public IReadOnlyList<JsonObject> Events(string? type = null) =>
        Records("event").Where(e => type is null || (string?)e["type"] == type).ToList();

    public IReadOnlyList<string> EventTypes() => Events().Select(e => (string)e["type"]!).ToList();

    /// <summary>The platform.report of the last finished invoke (waits for it: it is produced after the last /next).</summary>
    public async Task<JsonObject> WaitForRecordAsync(string kind, Func<JsonObject, bool> match, int timeoutMs = 20_000)
    {
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < timeoutMs)
        {
            if (Host.Recorder.Snapshot().FirstOrDefault(r => (string?)r["kind"] == kind && match(r)) is { } found) return found;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no {kind} record matched within {timeoutMs} ms");
    }

    public Task<JsonObject> WaitForEventAsync(string type, string? requestId = null) =>
        WaitForRecordAsync("event", e => (string?)e["type"] == type && (requestId is null || (string?)e["record"]?["requestId"] == requestId));

    public async Task WaitForOutputAsync(Func<string, bool> match, int timeoutMs = 20_000)
    {
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < timeoutMs)
        {
            if (Output.Lines.Any(match)) return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no output line matched within {timeoutMs} ms; output:\n{string.Join('\n', Output.Lines)}");
    }

    public static string RequestIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Amzn-RequestId", out var values) ? values.First() : throw new InvalidOperationException("no request id header");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
