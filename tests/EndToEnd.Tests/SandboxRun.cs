using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.EndToEnd.Tests;

/// <summary>
/// One emulator process with the Pulse layer and the test function, on free ports. Invoke it, then
/// <see cref="ShutdownAsync"/> (SIGTERM → SHUTDOWN spindown) and read what Pulse wrote and what the emulator recorded.
/// </summary>
public sealed class SandboxRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _workDir;
    private readonly int _listenPort;

    public string RecordPath { get; }

    private SandboxRun(Process process, string workDir, int listenPort, string recordPath)
    {
        _process = process;
        _workDir = workDir;
        _listenPort = listenPort;
        RecordPath = recordPath;
    }

    public static async Task<SandboxRun> StartAsync(int memoryMb = 256, int timeoutSeconds = 10, bool memoryCap = false)
    {
        var emulator = TestEnvironment.RequireArtifact("lambda-emulator", "emulator");
        var layer = TestEnvironment.RequireArtifact("pulse-x86_64.zip", "layer");
        var function = TestEnvironment.RequireArtifact(Path.Combine("test-function", "bootstrap"), "test-function");
        var workDir = Directory.CreateTempSubdirectory("pulse-e2e-").FullName;
        var record = Path.Combine(workDir, "record.jsonl");
        var listen = TestEnvironment.FreeTcpPort();
        var info = new ProcessStartInfo(emulator)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--listen", $"127.0.0.1:{listen}", "--runtime-api", $"127.0.0.1:{TestEnvironment.FreeTcpPort()}",
                     "--layer", layer, "--record", record })
            info.ArgumentList.Add(arg);
        if (memoryCap) info.ArgumentList.Add("--memory-cap");   // the cap is the function memory size
        info.ArgumentList.Add(function);
        info.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "e2e";
        info.Environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = memoryMb.ToString();
        info.Environment["AWS_LAMBDA_FUNCTION_TIMEOUT"] = timeoutSeconds.ToString();
        info.Environment["AWS_REGION"] = "eu-west-1";
        info.Environment["PULSE_TELEMETRY_PORT"] = TestEnvironment.FreeTcpPort().ToString();
        info.Environment["PULSE_DOGSTATSD_PORT"] = TestEnvironment.FreeUdpPort().ToString();

        var process = new Process { StartInfo = info };
        var run = new SandboxRun(process, workDir, listen, record);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Ready when the invoke endpoint answers anything (init runs eagerly at start).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { using var _ = await run._http.GetAsync($"http://127.0.0.1:{listen}/"); break; }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited) { await Task.Delay(100); }
        }
        return run;
    }

    /// <summary>Invokes with a test-function script; returns the request id, the status and whether it was a function error.</summary>
    public async Task<(string RequestId, int Status, bool FunctionError, string Body)> InvokeAsync(string eventJson)
    {
        using var content = new StringContent(eventJson);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync($"http://127.0.0.1:{_listenPort}/2015-03-31/functions/function/invocations", content);
        var id = response.Headers.TryGetValues("X-Amzn-RequestId", out var ids) ? ids.First() : "";
        Assert.False(string.IsNullOrEmpty(id), "the emulator's invoke response carries X-Amzn-RequestId");
        return (id, (int)response.StatusCode, response.Headers.Contains("X-Amz-Function-Error"), await response.Content.ReadAsStringAsync());
    }

    /// <summary>SIGTERM → SHUTDOWN (spindown); waits for the emulator to exit (bounded).</summary>
    public async Task ShutdownAsync()
    {
        if (!_process.HasExited) await Command.RunAsync("kill", ["-TERM", _process.Id.ToString()], TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flush the async output readers
        // Kept after the run (the work dir is deleted) so a failed assertion can be read against the full output.
        File.WriteAllText(Path.Combine(Path.GetTempPath(), $"pulse-e2e-{_listenPort}.log"), Output);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Pulse's EMF lines (the emulator passes the sandbox's stdout through line by line).</summary>
    public List<JsonElement> EmfLines() =>
        Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>The platform events the emulator generated (ground truth), by type.</summary>
    public List<JsonElement> Events(string type) =>
        File.ReadLines(RecordPath).Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Where(r => r.GetProperty("kind").GetString() == "event" && r.GetProperty("type").GetString() == type)
            .Select(r => r.GetProperty("record")).ToList();

    public async ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await Task.Yield();
        _process.Dispose();
        _http.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}
