using Pulse.Emulator.Tests.Support;
using Pulse.Testing;

namespace Pulse.Emulator.Tests;

/// <summary>Spec §1.1 freeze between invokes, §3.5 the SHUTDOWN sequence.</summary>
public sealed class FreezeAndShutdownTests
{
    private static string Ticker(string file) => $"( while true; do echo tick >> '{file}'; sleep 0.05; done ) &\n";

    private static int Lines(string file) => File.Exists(file) ? File.ReadAllLines(file).Length : 0;

    [Fact(Timeout = 60_000)]
    public async Task Between_invokes_every_sandbox_process_is_frozen_and_thawed_for_the_next_event()
    {
        await using var run = new SandboxRun();
        var ticks = Path.Combine(run.Dir, "ticks");
        run.AddExtension("ticker", Ticker(ticks) + Scripts.Extension("ticker"));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "freeze" && (double)r["t"]! > 0 && run.Records("invoke").Count == 1);
        await Task.Delay(150);
        var frozenAt = Lines(ticks);
        await Task.Delay(700);
        Assert.Equal(frozenAt, Lines(ticks));

        // The next invoke thaws it: the ticker runs while the runtime sleeps.
        await run.InvokeAsync("{\"sleep=0.5\":1}");
        Assert.True(Lines(ticks) > frozenAt + 2, "the sandbox was not thawed for the invoke");
        await run.WaitForRecordAsync("invoke", _ => run.Records("lifecycle").Count(r => (string?)r["step"] == "freeze") == 3);
        var steps = run.Records("lifecycle").Select(r => (string)r["step"]!).Where(s => s is "freeze" or "thaw" or "invoke-start").ToList();
        Assert.Equal(new[] { "freeze", "thaw", "invoke-start", "freeze", "thaw", "invoke-start", "freeze" }, steps);
        _ = response;
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_cgroups_the_process_groups_are_stopped_and_memory_comes_from_peak_RSS()
    {
        await using var run = new SandboxRun();
        run.Options.UseCgroups = false;
        var ticks = Path.Combine(run.Dir, "ticks");
        run.AddExtension("ticker", Ticker(ticks) + Scripts.Extension("ticker"));
        await run.StartAsync();
        Assert.Contains(run.Diagnostics.Lines, l => l.Contains("SIGSTOP/SIGCONT"));
        var (response, _) = await run.InvokeAsync("\"hold=32\"");
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.True((int)report["record"]!["metrics"]!["maxMemoryUsedMB"]! >= 32);
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "freeze" && run.Records("invoke").Count == 1);
        await Task.Delay(150);
        var frozenAt = Lines(ticks);
        await Task.Delay(700);
        Assert.Equal(frozenAt, Lines(ticks));
        await run.InvokeAsync("{\"sleep=0.5\":1}");
        Assert.True(Lines(ticks) > frozenAt + 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cgroups_left_by_a_dead_emulator_are_removed_at_start()
    {
        const string freezer = "/sys/fs/cgroup/freezer";
        TestEnvironment.RequireOrSkip(Directory.Exists(freezer), "no cgroup v1 freezer");
        var deadPid = Enumerable.Range(3_000_000, 1000).First(p => !Directory.Exists($"/proc/{p}"));
        var orphan = Path.Combine(freezer, $"lambda-emulator-{deadPid}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(orphan);
        try
        {
            await using var run = new SandboxRun();
            await run.StartAsync();
            Assert.False(Directory.Exists(orphan));
            Assert.Contains(run.Diagnostics.Lines, l => l.Contains($"left by a dead emulator (pid {deadPid})"));
        }
        finally { if (Directory.Exists(orphan)) Directory.Delete(orphan); }
    }

    [Fact(Timeout = 60_000)]
    public async Task No_freeze_lets_the_sandbox_run_between_invokes()
    {
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        var ticks = Path.Combine(run.Dir, "ticks");
        run.AddExtension("ticker", Ticker(ticks) + Scripts.Extension("ticker"));
        await run.StartAsync();
        await run.InvokeAsync("{}");
        await Task.Delay(150);
        var before = Lines(ticks);
        await Task.Delay(700);
        Assert.True(Lines(ticks) > before + 3);
        Assert.DoesNotContain(run.Records("lifecycle"), r => (string?)r["step"] == "freeze");
    }

    [Fact(Timeout = 60_000)]
    public async Task Shutdown_sends_SIGTERM_to_the_runtime_SHUTDOWN_spindown_to_extensions_and_kills_at_the_deadline()
    {
        await using var run = new SandboxRun();
        // A generous grace: on a loaded machine sh needs time to run its trap (the default 300 ms is Lambda's).
        run.Options.RuntimeGraceMs = 1500;
        run.AddExtension("polite", Scripts.Extension("polite"));
        run.AddExtension("stubborn", Scripts.Extension("stubborn", onShutdown: "sleep 30"));
        run.AddExtension("invoke-only", Scripts.Extension("invoke-only", events: "\"INVOKE\""));
        await run.StartAsync();
        await run.InvokeAsync("{}");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await run.Host.Sandbox.ShutdownAsync();

        var output = run.Output.Lines;
        Assert.Contains("runtime got SIGTERM", output);
        var shutdown = output.Single(l => l.StartsWith("polite got") && l.Contains("SHUTDOWN"));
        var doc = System.Text.Json.Nodes.JsonNode.Parse(shutdown["polite got ".Length..])!;
        Assert.Equal("spindown", (string?)doc["shutdownReason"]);
        Assert.InRange((long)doc["deadlineMs"]! - before, 1_500, 2_500);
        Assert.Equal(new[] { "eventType", "shutdownReason", "deadlineMs" }, doc.AsObject().Select(p => p.Key));

        var records = run.Host.Recorder.Snapshot();
        var start = records.Single(r => (string?)r["step"] == "shutdown-start");
        var end = records.Single(r => (string?)r["step"] == "shutdown-end");
        var took = (double)end["t"]! - (double)start["t"]!;
        Assert.InRange(took, 1_900, 5_000);
        Assert.Equal("Exited", (string?)end["extensions"]!["polite"]);
        Assert.Equal("ShutdownFailed", (string?)end["extensions"]!["stubborn"]);
        Assert.Contains(records, r => (string?)r["step"] == "kill" && (string?)r["name"] == "invoke-only" && (string?)r["why"] == "not subscribed to SHUTDOWN");
        Assert.Contains(records, r => (string?)r["step"] == "kill" && (string?)r["name"] == "stubborn" && (string?)r["why"] == "shutdown deadline");
        // SIGTERM went to the runtime before SHUTDOWN reached the extensions.
        var sigterm = records.Single(r => (string?)r["step"] == "signal" && (string?)r["signal"] == "SIGTERM");
        var politeNext = records.Where(r => (string?)r["kind"] == "api" && (string?)r["caller"] == "polite" && ((string?)r["path"])!.EndsWith("/event/next")).Max(r => (double)r["respondedT"]!);
        Assert.True(politeNext >= (double)sigterm["t"]!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_extensions_the_runtime_is_killed_at_once()
    {
        await using var run = new SandboxRun();
        await run.StartAsync();
        await run.InvokeAsync("{}");
        await run.Host.Sandbox.ShutdownAsync();
        Assert.DoesNotContain("runtime got SIGTERM", run.Output.Lines);
        var records = run.Host.Recorder.Snapshot();
        Assert.Contains(records, r => (string?)r["step"] == "kill" && (string?)r["name"] == "runtime" && (string?)r["why"] == "no extensions");
        Assert.Equal(0, (int)records.Single(r => (string?)r["step"] == "shutdown-start")["budgetMs"]!);
    }
}
