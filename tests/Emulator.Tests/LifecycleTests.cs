using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>Spec §1: phases, gates, event order, timeouts, crashes and resets.</summary>
public sealed class LifecycleTests
{
    [Fact(Timeout = 60_000)]
    public async Task Init_and_invoke_produce_the_platform_events_in_RAPID_order_with_real_values()
    {
        await using var run = new SandboxRun();
        run.AddExtension("ext-a", Scripts.Extension("ext-a"));
        run.AddExtension("ext-b", Scripts.Extension("ext-b", events: "\"SHUTDOWN\""));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        await run.WaitForEventAsync("platform.report", requestId);

        Assert.Equal(new[]
        {
            "platform.initStart", "platform.initRuntimeDone", "platform.extension", "platform.extension", "platform.initReport",
            "platform.start", "platform.runtimeDone", "platform.report",
        }, run.EventTypes());
        var extensions = run.Events("platform.extension").Select(e => e["record"]!).ToList();
        Assert.Equal("ext-a", (string?)extensions[0]["name"]);
        Assert.Equal("Ready", (string?)extensions[0]["state"]);
        Assert.Equal("[\"INVOKE\",\"SHUTDOWN\"]", extensions[0]["events"]!.ToJsonString());
        Assert.Equal("[\"SHUTDOWN\"]", extensions[1]["events"]!.ToJsonString());

        var initStart = run.Events("platform.initStart").Single()["record"]!;
        Assert.Equal("on-demand", (string?)initStart["initializationType"]);
        Assert.Equal("init", (string?)initStart["phase"]);
        var initReport = run.Events("platform.initReport").Single()["record"]!;
        Assert.Equal("success", (string?)initReport["status"]);
        var initDuration = (double)initReport["metrics"]!["durationMs"]!;
        Assert.True(initDuration > 0);

        var done = run.Events("platform.runtimeDone").Single()["record"]!;
        Assert.Equal("success", (string?)done["status"]);
        Assert.Equal(2, (int)done["metrics"]!["producedBytes"]!);
        Assert.Equal(new[] { "responseLatency", "responseDuration", "runtimeOverhead" }, done["spans"]!.AsArray().Select(s => (string)s!["name"]!));
        var spanSum = done["spans"]!.AsArray().Sum(s => (double)s!["durationMs"]!);
        Assert.InRange(spanSum, (double)done["metrics"]!["durationMs"]! - 0.01, (double)done["metrics"]!["durationMs"]! + 0.01);

        var report = run.Events("platform.report").Single()["record"]!;
        var metrics = report["metrics"]!;
        var duration = (double)metrics["durationMs"]!;
        Assert.Equal((long)Math.Ceiling(duration), (long)metrics["billedDurationMs"]!);
        Assert.Equal(128, (int)metrics["memorySizeMB"]!);
        Assert.True((int)metrics["maxMemoryUsedMB"]! > 0);
        Assert.Equal(initDuration, (double)metrics["initDurationMs"]!, 3);
        Assert.True(duration >= (double)done["metrics"]!["durationMs"]!);

        // The second invoke carries no initDurationMs.
        var (second, _) = await run.InvokeAsync("{}");
        var secondReport = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(second));
        Assert.Null(secondReport["record"]!["metrics"]!["initDurationMs"]);
        Assert.Single(run.Events("platform.initStart"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Report_waits_for_the_extensions_next_and_its_duration_includes_their_time_but_the_client_does_not_wait()
    {
        await using var run = new SandboxRun();
        run.AddExtension("slow", Scripts.Extension("slow", onInvoke: "sleep 1"));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        var clientDone = Recording.Monotonic.NowMs;
        var invoke = await run.WaitForRecordAsync("invoke", r => (string?)r["requestId"] == requestId);
        var runtimeNext = (double)invoke["runtimeNextT"]!;
        var extensionNext = (double)invoke["extensionNextT"]!["slow"]!;
        var start = (double)invoke["startT"]!;
        Assert.True(extensionNext - start >= 990, $"the extension called /next {extensionNext - start} ms after the start");
        Assert.True(extensionNext > runtimeNext);
        Assert.True(clientDone < extensionNext, "the client had to wait for the extension");
        var report = run.Events("platform.report").Single(e => (string?)e["record"]!["requestId"] == requestId);
        var done = run.Events("platform.runtimeDone").Single(e => (string?)e["record"]!["requestId"] == requestId);
        var reportDuration = (double)report["record"]!["metrics"]!["durationMs"]!;
        // Record timestamps are rounded to the microsecond: differences agree within 2 µs.
        Assert.InRange(reportDuration - (extensionNext - start), -0.002, 0.002);
        Assert.InRange((double)done["record"]!["metrics"]!["durationMs"]! - (runtimeNext - start), -0.002, 0.002);
        // The report is generated after the last /next.
        Assert.True((double)report["t"]! >= extensionNext);
    }

    [Fact(Timeout = 60_000)]
    public async Task Timeout_reports_timeout_resets_with_SHUTDOWN_timeout_and_the_next_invoke_reinitializes_in_phase_invoke()
    {
        await using var run = new SandboxRun();
        run.Options.TimeoutSeconds = 1;
        run.AddExtension("watcher", Scripts.Extension("watcher"));
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("{\"sleep=5\":1}");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var doc = JsonNode.Parse(body)!;
        Assert.Equal("Sandbox.Timedout", (string?)doc["errorType"]);
        Assert.EndsWith("Task timed out after 1.00 seconds", (string?)doc["errorMessage"]);
        var requestId = SandboxRun.RequestIdOf(response);
        var done = await run.WaitForEventAsync("platform.runtimeDone", requestId);
        Assert.Equal("timeout", (string?)done["record"]!["status"]);
        Assert.Null(done["record"]!["errorType"]);
        var report = await run.WaitForEventAsync("platform.report", requestId);
        Assert.Equal("timeout", (string?)report["record"]!["status"]);
        Assert.Equal(1000.0, (double)report["record"]!["metrics"]!["durationMs"]!);
        Assert.Equal(1000L, (long)report["record"]!["metrics"]!["billedDurationMs"]!);
        await run.WaitForOutputAsync(l => l.StartsWith("watcher got") && l.Contains("\"shutdownReason\":\"timeout\""));
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "reset" && (string?)r["reason"] == "timeout");

        var (again, againBody) = await run.InvokeAsync("{\"n\":2}");
        Assert.Equal("{\"n\":2}", againBody);
        var initStarts = run.Events("platform.initStart");
        Assert.Equal(2, initStarts.Count);
        Assert.Equal("invoke", (string?)initStarts[1]["record"]!["phase"]);
        var secondReport = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(again));
        Assert.NotNull(secondReport["record"]!["metrics"]!["initDurationMs"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Runtime_crash_is_Runtime_ExitError_with_SHUTDOWN_failure_to_extensions()
    {
        await using var run = new SandboxRun();
        run.AddExtension("watcher", Scripts.Extension("watcher"));
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("\"crash\"");
        var doc = JsonNode.Parse(body)!;
        Assert.Equal("Runtime.ExitError", (string?)doc["errorType"]);
        Assert.Contains("Runtime exited with error: exit status 3", (string?)doc["errorMessage"]);
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.Equal("error", (string?)report["record"]!["status"]);
        Assert.Equal("Runtime.ExitError", (string?)report["record"]!["errorType"]);
        await run.WaitForOutputAsync(l => l.StartsWith("watcher got") && l.Contains("\"shutdownReason\":\"failure\""));
        var (_, again) = await run.InvokeAsync("{\"ok\":1}");
        Assert.Equal("{\"ok\":1}", again);
    }

    [Fact(Timeout = 60_000)]
    public async Task Extension_crash_during_invoke_is_Extension_Crash()
    {
        await using var run = new SandboxRun();
        run.AddExtension("fragile", Scripts.Extension("fragile", onInvoke: "sleep 0.5; exit 7"));
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("{}");
        // The runtime answered before the extension died: the client has the function's response.
        Assert.Equal("{}", body);
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.Equal("error", (string?)report["record"]!["status"]);
        Assert.Equal("Extension.Crash", (string?)report["record"]!["errorType"]);
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "reset" && (string?)r["reason"] == "failure");
    }

    [Fact(Timeout = 60_000)]
    public async Task Lazy_init_runs_init_at_the_first_invoke_and_cold_starts_reinit_every_time()
    {
        await using var run = new SandboxRun();
        run.Options.LazyInit = true;
        run.Options.ColdStarts = true;
        await run.StartAsync();
        Assert.Empty(run.Events("platform.initStart"));
        for (var i = 0; i < 2; i++)
        {
            var (response, _) = await run.InvokeAsync("{}");
            var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
            Assert.NotNull(report["record"]!["metrics"]!["initDurationMs"]);
        }
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "shutdown-end" && (int)r["generation"]! == 2);
        Assert.All(run.Events("platform.initStart"), e => Assert.Equal("init", (string?)e["record"]!["phase"]));
        Assert.Equal(2, run.Events("platform.initStart").Count);
    }
}
