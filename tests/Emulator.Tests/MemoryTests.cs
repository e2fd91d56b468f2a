using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>maxMemoryUsedMB is the measured peak of the whole sandbox; --memory-cap makes the OOM killer end the invoke.</summary>
public sealed class MemoryTests
{
    [Fact(Timeout = 60_000)]
    public async Task Max_memory_used_is_the_measured_peak_of_the_sandbox()
    {
        await using var run = new SandboxRun();
        await run.StartAsync();
        var (small, _) = await run.InvokeAsync("{}");
        var smallReport = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(small));
        var (big, body) = await run.InvokeAsync("\"hold=64\"");
        Assert.Equal((64 * 1048576).ToString(), body.Trim());
        var bigReport = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(big));
        var before = (int)smallReport["record"]!["metrics"]!["maxMemoryUsedMB"]!;
        var after = (int)bigReport["record"]!["metrics"]!["maxMemoryUsedMB"]!;
        Assert.InRange(before, 1, 60);
        Assert.True(after >= 64, $"maxMemoryUsedMB {after} after holding 64 MB");
    }

    [Fact(Timeout = 60_000)]
    public async Task With_a_memory_cap_an_OOM_kill_is_Runtime_OutOfMemory()
    {
        await using var run = new SandboxRun();
        run.Options.MemoryCap = true;
        run.AddExtension("watcher", Scripts.Extension("watcher"));
        await run.StartAsync();
        if (run.Diagnostics.Lines.Any(l => l.Contains("memory cgroup") || l.Contains("cannot set the memory limit") || l.Contains("no cgroup controller")))
            TestingSkip($"no memory cgroup: {string.Join(' ', run.Diagnostics.Lines)}");
        var (response, body) = await run.InvokeAsync("\"oom\"");
        var doc = JsonNode.Parse(body)!;
        Assert.Equal("Runtime.OutOfMemory", (string?)doc["errorType"]);
        Assert.Contains("Runtime exited with error: signal: killed", (string?)doc["errorMessage"]);
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.Equal("error", (string?)report["record"]!["status"]);
        Assert.Equal("Runtime.OutOfMemory", (string?)report["record"]!["errorType"]);
        Assert.InRange((int)report["record"]!["metrics"]!["maxMemoryUsedMB"]!, 120, 129);
        await run.WaitForOutputAsync(l => l.StartsWith("watcher got") && l.Contains("\"shutdownReason\":\"failure\""));
    }

    private static void TestingSkip(string reason) => Pulse.Testing.TestEnvironment.RequireOrSkip(false, reason);
}
