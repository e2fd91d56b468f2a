using Pulse.Invocations;
using Pulse.Metrics;

namespace Pulse.Tests;

public sealed class InvocationTrackerTests
{
    private const string A = "4b14a2f0-0000-4000-8000-000000000001";
    private const string B = "4b14a2f0-0000-4000-8000-000000000002";

    [Fact]
    public void A_whole_invocation_leaves_as_one_batch_when_its_report_arrives()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A));
        Assert.Empty(h.Published.All); // default: held until the REPORT, so the invocation is one EMF line

        h.Feed(TelemetryJson.Report(A));
        var batch = Assert.Single(h.Published.Batches);
        Assert.All(batch, p => Assert.Equal(A, p.RequestId));
        Assert.Equal(1, h.Published.Value(A, "invocations"));
        Assert.Equal(0, h.Published.Value(A, "errors"));
        Assert.Equal(0, h.Published.Value(A, "timeouts"));
        Assert.Equal(0, h.Published.Value(A, "out_of_memory"));
        Assert.Equal(11.185, h.Published.Value(A, "runtime_duration"));
        Assert.Equal(11.642, h.Published.Value(A, "duration"));
        Assert.Equal(12, h.Published.Value(A, "billed_duration"));
        Assert.Equal(128, h.Published.Value(A, "memorysize"));
        Assert.Equal(67, h.Published.Value(A, "max_memory_used"));
        Assert.Equal(40, h.Published.Value(A, "produced_bytes"));
        Assert.Equal(2.215, h.Published.Value(A, "response_latency"));
        Assert.Equal(0.056, h.Published.Value(A, "response_duration"));
        Assert.Equal(8.686, h.Published.Value(A, "runtime_overhead"));
        Assert.Equal(11.642 - 11.185, h.Published.Value(A, "post_runtime_duration")!.Value, 9);
        // 0.2 USD per million requests + 12 ms × 128/1024 GB × 0.0000166667 USD/GB-s
        Assert.Equal(Math.Round(0.0000002 + 0.012 * 0.125 * 0.0000166667, 12), h.Published.Value(A, "estimated_cost"));
        Assert.Equal(0, h.Tracker.TrackedCount);
        Assert.Equal(0, h.Tracker.OwedReports);
    }

    [Fact]
    public void Points_carry_the_time_of_their_event_and_the_invocation_tags()
    {
        var h = new TrackerHarness();
        h.Invoke(A, atMs: 0);
        h.Feed(TelemetryJson.Start(A, 0), TelemetryJson.RuntimeDone(A, at: 11), TelemetryJson.Report(A, at: 14));
        var points = h.Published.For(A);
        Assert.Equal(TelemetryJson.T0.AddMilliseconds(11), points.Single(p => p.Metric.Name == "runtime_duration").Timestamp);
        Assert.Equal(TelemetryJson.T0.AddMilliseconds(14), points.Single(p => p.Metric.Name == "duration").Timestamp);
        Assert.Equal(TelemetryJson.T0, points.Single(p => p.Metric.Name == "invocations").Timestamp);
        Assert.All(points, p =>
        {
            Assert.True(p.Tags.ColdStart);
            Assert.Equal("fn", p.Tags.FunctionName);
            Assert.Equal("provided.al2023", p.Tags.Runtime); // no initStart here: the system fallback
        });
    }

    [Fact]
    public void Only_the_first_invocation_is_a_cold_start()
    {
        var h = new TrackerHarness();
        foreach (var id in new[] { A, B })
        {
            h.Invoke(id);
            h.Feed(TelemetryJson.RuntimeDone(id), TelemetryJson.Report(id));
        }
        Assert.All(h.Published.For(A), p => Assert.True(p.Tags.ColdStart));
        Assert.All(h.Published.For(B), p => Assert.False(p.Tags.ColdStart));
    }

    [Fact]
    public void Provisioned_concurrency_and_proactive_init_are_not_cold_starts()
    {
        var provisioned = new TrackerHarness(initType: "provisioned-concurrency");
        provisioned.Invoke(A);
        provisioned.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
        Assert.All(provisioned.Published.For(A), p => Assert.False(p.Tags.ColdStart));

        var proactive = new TrackerHarness(processStart: TelemetryJson.T0.AddSeconds(-30));
        proactive.Invoke(A);
        proactive.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
        Assert.All(proactive.Published.For(A), p => Assert.False(p.Tags.ColdStart));
    }

    [Fact]
    public void Report_before_runtimeDone_counts_once_and_completes_with_post_runtime()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.Report(A));
        Assert.Equal(11.642, h.Published.Value(A, "duration"));
        Assert.Null(h.Published.Value(A, "post_runtime_duration"));
        Assert.Equal(1, h.Tracker.TrackedCount);

        h.Feed(TelemetryJson.RuntimeDone(A));
        Assert.Equal(1, h.Published.Count(A, "invocations"));
        Assert.Equal(1, h.Published.Count(A, "errors"));
        Assert.Equal(11.185, h.Published.Value(A, "runtime_duration"));
        Assert.Equal(11.642 - 11.185, h.Published.Value(A, "post_runtime_duration")!.Value, 9);
        Assert.Equal(0, h.Tracker.TrackedCount);
    }

    [Fact]
    public void A_report_that_never_arrives_is_flushed_with_what_is_known_at_shutdown()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A));
        Assert.Equal(1, h.Tracker.OwedReports);
        h.Tracker.CompleteAll();
        Assert.Equal(1, h.Published.Value(A, "invocations"));
        Assert.Equal(11.185, h.Published.Value(A, "runtime_duration"));
        Assert.Null(h.Published.Value(A, "duration"));
        Assert.Equal(1, h.Tracker.GivenUp);
        Assert.Equal(0, h.Tracker.OwedReports);

        // The REPORT shows up after all (late): its points still go out, counted as late, without counting the invocation twice.
        h.Feed(TelemetryJson.Report(A));
        Assert.Equal(1, h.Tracker.LateReports);
        Assert.Equal(11.642, h.Published.Value(A, "duration"));
        Assert.Equal(1, h.Published.Count(A, "invocations"));
    }

    [Fact]
    public void Duplicate_events_are_counted_once()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Invoke(A);
        h.Feed(TelemetryJson.Start(A), TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A), TelemetryJson.RuntimeDone(A));
        h.Feed(TelemetryJson.Report(A), TelemetryJson.Report(A));
        h.Feed(TelemetryJson.Report(A), TelemetryJson.RuntimeDone(A));
        foreach (var metric in new[] { "invocations", "errors", "runtime_duration", "duration", "estimated_cost", "out_of_memory" })
            Assert.Equal(1, h.Published.Count(A, metric));
        Assert.True(h.Tracker.DuplicateEvents >= 5);
        Assert.Equal(0, h.Tracker.LateReports);
    }

    [Fact]
    public void A_timeout_counts_as_error_and_timeout()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A, status: "timeout", duration: 3001.2));
        h.Feed(TelemetryJson.Report(A, status: "timeout", duration: 3000, billed: 3000));
        Assert.Equal(1, h.Published.Value(A, "errors"));
        Assert.Equal(1, h.Published.Value(A, "timeouts"));
        Assert.Equal(0, h.Published.Value(A, "post_runtime_duration")); // clamped: the report is clamped to the timeout
    }

    [Fact]
    public void A_function_error_is_an_error_not_a_timeout()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A, status: "error", errorType: "Function.Unhandled"), TelemetryJson.Report(A, status: "error"));
        Assert.Equal(1, h.Published.Value(A, "errors"));
        Assert.Equal(0, h.Published.Value(A, "timeouts"));
    }

    [Theory]
    [InlineData("runtimeDone")]
    [InlineData("log")]
    [InlineData("memory")]
    [InlineData("all")]
    public void Out_of_memory_is_counted_once_per_request_from_any_signal(string signal)
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        if (signal is "log" or "all") h.Feed(TelemetryJson.FunctionLog($"2024-05-20T16:29:45.010Z\t{A}\tERROR\tRuntime.OutOfMemory: MemoryError"));
        var oomRuntime = signal is "runtimeDone" or "all";
        h.Feed(TelemetryJson.RuntimeDone(A, status: oomRuntime ? "error" : "success", errorType: oomRuntime ? "Runtime.OutOfMemory" : null));
        var full = signal is "memory" or "all";
        h.Feed(TelemetryJson.Report(A, maxUsed: full ? 128 : 67));
        Assert.Equal(1, h.Published.Count(A, "out_of_memory"));
        Assert.Equal(1, h.Published.Value(A, "out_of_memory"));
    }

    [Fact]
    public void An_oom_log_line_without_request_id_goes_to_the_running_invocation()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.FunctionLog("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"));
        h.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
        Assert.Equal(1, h.Published.Value(A, "out_of_memory"));
    }

    [Fact]
    public void Init_duration_joins_the_cold_start_invocation_once()
    {
        var h = new TrackerHarness();
        h.Feed(TelemetryJson.InitStart(), TelemetryJson.InitReport(174.055));
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A, init: 174.055));
        h.Invoke(B);
        h.Feed(TelemetryJson.RuntimeDone(B), TelemetryJson.Report(B, init: 174.055));
        var init = h.Published.All.Where(p => p.Metric.Name == "init_duration").ToList();
        Assert.Equal(174.055, Assert.Single(init).Value);
        Assert.Equal("python3.12", init[0].Tags.Runtime);
    }

    [Fact]
    public void Init_duration_of_a_sandbox_never_invoked_leaves_at_shutdown()
    {
        var h = new TrackerHarness();
        h.Feed(TelemetryJson.InitStart(), TelemetryJson.InitReport(88));
        Assert.Empty(h.Published.All);
        h.Tracker.CompleteAll();
        var init = Assert.Single(h.Published.All);
        Assert.Equal(("init_duration", 88.0, (string?)null), (init.Metric.Name, init.Value, init.RequestId));
    }

    [Fact]
    public void Init_duration_falls_back_to_the_report_when_initReport_is_missing()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A, init: 99.5));
        Assert.Equal(99.5, h.Published.Value(A, "init_duration"));
    }

    [Fact]
    public void A_failed_init_is_logged_and_the_init_rerun_inside_the_invoke_is_reported_too()
    {
        var h = new TrackerHarness();
        h.Feed(TelemetryJson.InitStart(), TelemetryJson.InitReport(10_000, status: "timeout", errorType: "Sandbox.Timeout"));
        h.Invoke(A);
        h.Feed(TelemetryJson.InitStart(phase: "invoke"), TelemetryJson.InitReport(250, phase: "invoke"));
        h.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A, init: 250));
        var init = h.Published.All.Where(p => p.Metric.Name == "init_duration").Select(p => p.Value).ToList();
        Assert.Equal([10_000, 250], init);
        Assert.Contains("INIT ended with status timeout", h.LogText.ToString());
        Assert.Equal(1, h.Published.Value(A, "invocations"));
    }

    [Fact]
    public void A_snapstart_restore_reports_its_duration_and_init_type()
    {
        var h = new TrackerHarness(initType: "snap-start");
        h.Feed(TelemetryJson.RestoreStart(), TelemetryJson.RestoreReport(412.5));
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
        var restore = Assert.Single(h.Published.All, p => p.Metric.Name == "snapstart_restore_duration");
        Assert.Equal(412.5, restore.Value);
        Assert.All(h.Published.For(A), p => Assert.Equal("snap-start", p.Tags.InitType));
        Assert.True(h.Published.For(A).First().Tags.ColdStart);
    }

    [Fact]
    public void End_mode_publishes_runtimeDone_points_at_runtimeDone()
    {
        var h = new TrackerHarness(emitRuntimeDoneEarly: true);
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A));
        Assert.Equal(11.185, h.Published.Value(A, "runtime_duration"));
        Assert.Equal(1, h.Published.Value(A, "invocations"));
        h.Feed(TelemetryJson.Report(A));
        Assert.Equal(2, h.Published.Batches.Count);
        Assert.Equal(1, h.Published.Count(A, "invocations"));
        Assert.NotNull(h.Published.Value(A, "post_runtime_duration"));
    }

    [Fact]
    public void Without_telemetry_each_invoke_is_counted_at_once()
    {
        var h = new TrackerHarness(telemetry: false);
        h.Invoke(A);
        Assert.Equal(1, h.Published.Value(A, "invocations"));
        Assert.Equal(0, h.Tracker.OwedReports);
        Assert.Equal(0, h.Tracker.TrackedCount);
    }

    [Fact]
    public async Task Waiting_for_runtimeDone_ends_when_it_arrives_or_at_the_timeout()
    {
        var h = new TrackerHarness(emitRuntimeDoneEarly: true);
        h.Invoke(A);
        Assert.False(await h.Tracker.WaitForRuntimeDoneAsync(A, TimeSpan.FromMilliseconds(20)));
        var wait = h.Tracker.WaitForRuntimeDoneAsync(A, TimeSpan.FromSeconds(30));
        h.Feed(TelemetryJson.RuntimeDone(A));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Waiting_for_owed_reports_ends_when_the_last_arrives()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A));
        Assert.False(await h.Tracker.WaitForOwedReportsAsync(TimeSpan.FromMilliseconds(20)));
        var wait = h.Tracker.WaitForOwedReportsAsync(TimeSpan.FromSeconds(30));
        h.Feed(TelemetryJson.Report(A));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_timeout_shutdown_counts_the_invocation_in_progress_as_a_timeout_and_an_error_at_the_shutdown_time()
    {
        var h = new TrackerHarness();
        h.Invoke(A, atMs: 0);
        h.Feed(TelemetryJson.Start(A, 0));
        var shutdownAt = TelemetryJson.T0.AddMilliseconds(3_000);

        Assert.True(h.Tracker.OnTimeoutShutdown(shutdownAt));
        h.Tracker.CompleteAll();

        Assert.Equal(1, h.Published.Value(A, "invocations"));
        Assert.Equal(1, h.Published.Value(A, "timeouts"));
        Assert.Equal(1, h.Published.Value(A, "errors"));
        var points = h.Published.For(A);
        Assert.Equal(shutdownAt, points.Single(p => p.Metric.Name == "timeouts").Timestamp);
        Assert.Equal(shutdownAt, points.Single(p => p.Metric.Name == "errors").Timestamp);
        Assert.Equal(TelemetryJson.T0, points.Single(p => p.Metric.Name == "invocations").Timestamp);
        Assert.Equal(0, h.Tracker.TrackedCount);
        Assert.Equal(0, h.Tracker.OwedReports);

        // The platform's own runtimeDone/REPORT with status timeout show up after all: still one timeout.
        h.Feed(TelemetryJson.RuntimeDone(A, at: 3_001, status: "timeout"), TelemetryJson.Report(A, at: 3_002, status: "timeout"));
        Assert.Equal(1, h.Published.All.Where(p => p.Metric.Name == "timeouts").Sum(p => p.Value));
        Assert.Equal(1, h.Published.All.Where(p => p.Metric.Name == "errors").Sum(p => p.Value));
        Assert.Equal(1, h.Published.Count(A, "invocations"));
    }

    [Fact]
    public void Without_telemetry_a_timeout_shutdown_still_counts_the_open_invocation_once()
    {
        var h = new TrackerHarness(telemetry: false);
        h.Invoke(A, atMs: 0);
        h.Invoke(B, atMs: 100);
        var shutdownAt = TelemetryJson.T0.AddMilliseconds(3_100);

        Assert.True(h.Tracker.OnTimeoutShutdown(shutdownAt));
        Assert.False(h.Tracker.OnTimeoutShutdown(shutdownAt)); // asked twice: still one
        h.Tracker.CompleteAll();

        Assert.Equal(1, h.Published.Value(A, "invocations"));
        Assert.Equal(0, h.Published.Count(A, "timeouts"));
        Assert.Equal(1, h.Published.Value(B, "invocations"));
        Assert.Equal(1, h.Published.Value(B, "timeouts"));
        Assert.Equal(1, h.Published.Value(B, "errors"));
        Assert.Equal(1, h.Published.Count(B, "timeouts"));
        Assert.Equal(shutdownAt, h.Published.For(B).Single(p => p.Metric.Name == "timeouts").Timestamp);
    }

    [Fact]
    public void A_timeout_runtime_done_arriving_between_the_timeout_shutdown_and_the_final_flush_is_not_counted_twice()
    {
        var h = new TrackerHarness();
        h.Invoke(A, atMs: 0);
        Assert.True(h.Tracker.OnTimeoutShutdown(TelemetryJson.T0.AddMilliseconds(3_000)));
        h.Feed(TelemetryJson.RuntimeDone(A, at: 3_001, status: "timeout"), TelemetryJson.Report(A, at: 3_002, status: "timeout"));
        h.Tracker.CompleteAll();

        Assert.Equal(1, h.Published.Count(A, "timeouts"));
        Assert.Equal(1, h.Published.Value(A, "timeouts"));
        Assert.Equal(1, h.Published.Count(A, "errors"));
        Assert.Equal(1, h.Published.Value(A, "errors"));
        Assert.Equal(1, h.Published.Count(A, "invocations"));
        Assert.Equal(11.642, h.Published.Value(A, "duration")); // the REPORT's points still leave
    }

    [Fact]
    public void A_timeout_shutdown_after_the_invocation_finished_counts_no_timeout()
    {
        var h = new TrackerHarness();
        h.Invoke(A, atMs: 0);
        h.Feed(TelemetryJson.Start(A, 0), TelemetryJson.RuntimeDone(A));

        Assert.False(h.Tracker.OnTimeoutShutdown(TelemetryJson.T0.AddMilliseconds(3_000)));
        h.Tracker.CompleteAll();
        Assert.Equal(0, h.Published.Value(A, "timeouts"));
        Assert.Equal(0, h.Published.Value(A, "errors"));

        var idle = new TrackerHarness();
        Assert.False(idle.Tracker.OnTimeoutShutdown(TelemetryJson.T0));
        idle.Tracker.CompleteAll();
        Assert.DoesNotContain(idle.Published.All, p => p.Metric.Name is "timeouts" or "errors");
    }

    [Fact]
    public void Shutdown_emits_shutdowns_and_unused_init()
    {
        var unused = new TrackerHarness();
        unused.Tracker.OnShutdown(TelemetryJson.T0);
        Assert.Equal(1, unused.Published.All.Single(p => p.Metric.Name == "shutdowns").Value);
        Assert.Equal(1, unused.Published.All.Single(p => p.Metric.Name == "unused_init").Value);

        var used = new TrackerHarness();
        used.Invoke(A);
        used.Tracker.OnShutdown(TelemetryJson.T0);
        Assert.Equal(0, used.Published.All.Single(p => p.Metric.Name == "unused_init").Value);
        Assert.All(used.Published.All.Where(p => p.Metric.Name is "shutdowns" or "unused_init"), p => Assert.Null(p.RequestId));
    }

    [Fact]
    public void Report_of_n_arriving_during_n_plus_1_lands_on_n()
    {
        var h = new TrackerHarness();
        h.Invoke(A);
        h.Feed(TelemetryJson.RuntimeDone(A));
        h.Invoke(B);
        h.Feed(TelemetryJson.Report(A), TelemetryJson.Start(B), TelemetryJson.RuntimeDone(B, duration: 5));
        Assert.Equal(11.642, h.Published.Value(A, "duration"));
        Assert.Empty(h.Published.For(B));
        Assert.Equal(1, h.Tracker.OwedReports);
        h.Feed(TelemetryJson.Report(B, duration: 6));
        Assert.Equal(1, h.Published.Value(B, "post_runtime_duration"));
    }

    [Fact]
    public void Memory_stays_bounded_across_a_million_invocations()
    {
        var publisher = new CountingPublisher();
        var settings = new Pulse.Config.PulseSettings { FunctionName = "fn", MemorySizeMb = 128 };
        var tracker = new InvocationTracker(publisher, new SandboxTags(settings, () => "provided.al2023"),
            new CostEstimator(PriceTable.For("us-east-1", "x86_64")), new Pulse.Config.PulseLog(TextWriter.Null), TelemetryJson.T0, 128);
        var t = TelemetryJson.T0;
        string? previous = null;
        for (var i = 0; i < 1_000_000; i++)
        {
            var id = i.ToString("x8") + "-0000-4000-8000-000000000000";
            tracker.OnInvoke(id, 0, t);
            tracker.OnTelemetry(new Pulse.Telemetry.StartEvent(t, id, null));
            // Every 10th REPORT never arrives; the others arrive during the next invocation (N+1), as on Lambda.
            if (previous is not null && i % 10 != 1) tracker.OnTelemetry(new Pulse.Telemetry.ReportEvent(t, previous, "success", null, 10, 10, 128, 60, null, null, null));
            tracker.OnTelemetry(new Pulse.Telemetry.RuntimeDoneEvent(t, id, "success", null, 9, 10, 1, 1, 1));
            previous = id;
            Assert.InRange(tracker.TrackedCount, 0, InvocationTracker.MaxTrackedInvocations);
        }
        Assert.InRange(tracker.TrackedCount, 0, InvocationTracker.MaxTrackedInvocations);
        Assert.InRange(tracker.RememberedCount, 0, InvocationTracker.RememberedCompletions);
        Assert.InRange(tracker.OwedReports, 0, InvocationTracker.MaxTrackedInvocations);
        tracker.CompleteAll(); // SHUTDOWN: the ones whose REPORT never came leave too
        Assert.Equal(1_000_000, publisher.Invocations);
        Assert.Equal(0, tracker.TrackedCount);
    }

    private sealed class CountingPublisher : IMetricPublisher
    {
        public long Invocations { get; private set; }

        public void Publish(IReadOnlyList<MetricPoint> points)
        {
            foreach (var p in points)
            {
                if (ReferenceEquals(p.Metric, MetricCatalog.Invocations)) Invocations++;
            }
        }
    }
}
