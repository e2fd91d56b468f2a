using System.Diagnostics;
using Pulse.Flushing;

namespace Pulse.Sinks.Tests;

/// <summary>The delivery's bookkeeping against an in-memory sink and a hand-moved clock: no network, no sleeps.</summary>
public sealed class NetworkDeliveryTests
{
    private static readonly ExportResult Fail = new(ExportStatus.Retryable, "HTTP 503");

    private static NetworkDeliveryOptions Options(int maxPoints = 1000, int batch = 100) => new()
    {
        MaxBufferedPoints = maxPoints,
        MaxBatchPoints = batch,
        InitialBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(8),
        BreakerFailureThreshold = 3,
        BreakerOpenDuration = TimeSpan.FromSeconds(30),
        MaxBreakerOpenDuration = TimeSpan.FromSeconds(120),
        RequestTimeout = TimeSpan.FromSeconds(2),
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Deadline(TimeProvider clock, int ms = 5_000) => clock.GetUtcNow().AddMilliseconds(ms);

    private static void AssertBalanced(NetworkDeliveryStats stats)
    {
        Assert.Equal(stats.EnqueuedPoints, stats.SentPoints + stats.DroppedPoints + stats.BufferedPoints);
    }

    [Fact]
    public async Task A_full_buffer_drops_the_oldest_points_and_counts_them()
    {
        var clock = new ManualClock();
        var log = new RecordingLog();
        var sink = new ScriptedSink(_ => ExportResult.Ok);
        var delivery = new NetworkDelivery(sink, Options(maxPoints: 10), log.Write, clock);

        delivery.Enqueue(TestPoints.Numbered(25));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);

        Assert.Equal(Enumerable.Range(16, 10).Select(i => (double)i), sink.Acknowledged.Select(p => p.Value));
        var stats = delivery.GetStats();
        Assert.Equal(15, stats.DroppedBufferFullPoints);
        Assert.Equal(10, stats.SentPoints);
        AssertBalanced(stats);
        Assert.Equal(1, log.Count("buffer full"));
    }

    [Fact]
    public async Task A_failed_batch_waits_for_a_later_flush_and_is_then_delivered_once_in_order()
    {
        var clock = new ManualClock();
        var sink = new ScriptedSink(call => call == 1 ? Fail : ExportResult.Ok);
        var delivery = new NetworkDelivery(sink, Options(batch: 4), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(10));

        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(1, sink.Calls);                    // no retry inside the same flush
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(1, sink.Calls);                    // back-off not over: nothing sent, nothing waited for
        clock.Advance(TimeSpan.FromSeconds(2));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (double)i), sink.Acknowledged.Select(p => p.Value));
        var stats = delivery.GetStats();
        Assert.Equal(4, stats.RetriedPoints);
        Assert.Equal(10, stats.SentPoints);
        Assert.Equal(0, stats.BufferedPoints);
        AssertBalanced(stats);
    }

    [Fact]
    public async Task Retry_after_from_the_server_postpones_the_next_attempt()
    {
        var clock = new ManualClock();
        var sink = new ScriptedSink(call => call == 1 ? new ExportResult(ExportStatus.Retryable, "HTTP 429", TimeSpan.FromSeconds(20)) : ExportResult.Ok);
        var delivery = new NetworkDelivery(sink, Options(), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(3));

        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        clock.Advance(TimeSpan.FromSeconds(10));        // past the back-off, not past Retry-After
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(1, sink.Calls);
        clock.Advance(TimeSpan.FromSeconds(11));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(2, sink.Calls);
        Assert.Equal(3, delivery.GetStats().SentPoints);
    }

    [Fact]
    public async Task The_circuit_opens_after_repeated_failures_and_a_probe_closes_it()
    {
        var clock = new ManualClock();
        var log = new RecordingLog();
        var healthy = false;
        var sink = new ScriptedSink(_ => healthy ? ExportResult.Ok : Fail);
        var delivery = new NetworkDelivery(sink, Options(), log.Write, clock);
        delivery.Enqueue(TestPoints.Numbered(5));

        for (var i = 0; i < 3; i++)
        {
            await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
            clock.Advance(TimeSpan.FromSeconds(10));    // beyond any back-off of a closed circuit
        }
        Assert.Equal(3, sink.Calls);
        Assert.True(delivery.GetStats().CircuitOpen);
        Assert.Equal(1, log.Count("circuit open"));

        // Open: 30 s of silence however many invocations flush (10 s already passed above).
        for (var i = 0; i < 10; i++) await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(3, sink.Calls);

        clock.Advance(TimeSpan.FromSeconds(21));        // half-open: one probe, which fails, doubling the period
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(4, sink.Calls);
        clock.Advance(TimeSpan.FromSeconds(31));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(4, sink.Calls);

        healthy = true;
        clock.Advance(TimeSpan.FromSeconds(30));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        Assert.Equal(5, sink.Calls);
        var stats = delivery.GetStats();
        Assert.False(stats.CircuitOpen);
        Assert.Equal(5, stats.SentPoints);
        Assert.Equal(1, log.Count("circuit closed"));
        AssertBalanced(stats);
    }

    [Fact]
    public async Task A_rejected_batch_is_dropped_counted_and_logged_once()
    {
        var clock = new ManualClock();
        var log = new RecordingLog();
        var sink = new ScriptedSink(_ => new ExportResult(ExportStatus.Rejected, "HTTP 401 Unauthorized"));
        var delivery = new NetworkDelivery(sink, Options(batch: 2), log.Write, clock);
        delivery.Enqueue(TestPoints.Numbered(6));

        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);

        Assert.Equal(3, sink.Calls);                    // every batch tried once, none retried
        var stats = delivery.GetStats();
        Assert.Equal(6, stats.DroppedRejectedPoints);
        Assert.Equal(0, stats.RetriedPoints);
        Assert.False(stats.CircuitOpen);
        Assert.Equal(1, log.Count("HTTP 401"));
        AssertBalanced(stats);
    }

    [Fact]
    public async Task A_sink_that_ignores_its_token_cannot_hold_the_flush_past_its_deadline()
    {
        var clock = new ManualClock();
        var sink = new ScriptedSink(async (_, _, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), Ct);
            return ExportResult.Ok;
        });
        var delivery = new NetworkDelivery(sink, Options(), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(2));

        var watch = Stopwatch.StartNew();
        await delivery.FlushAsync(Deadline(clock, ms: 300), cancellationToken: Ct);
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"flush took {watch.Elapsed}");
        var stats = delivery.GetStats();
        Assert.Equal(2, stats.BufferedPoints);
        Assert.Equal(1, stats.FailedRequests);
    }

    [Fact]
    public async Task A_throwing_sink_costs_a_retry_not_an_exception()
    {
        var clock = new ManualClock();
        var sink = new ScriptedSink((call, _, _) => call == 1 ? throw new InvalidOperationException("boom") : Task.FromResult(ExportResult.Ok));
        var delivery = new NetworkDelivery(sink, Options(), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(2));

        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        clock.Advance(TimeSpan.FromSeconds(2));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);

        Assert.Equal(2, delivery.GetStats().SentPoints);
    }

    [Fact]
    public async Task No_request_starts_when_the_budget_is_already_spent()
    {
        var clock = new ManualClock();
        var sink = new ScriptedSink(_ => ExportResult.Ok);
        var delivery = new NetworkDelivery(sink, Options(), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(2));

        await delivery.FlushAsync(Deadline(clock, ms: 40), cancellationToken: Ct); // less than margin (50 ms) plus minimum budget
        Assert.Equal(0, sink.Calls);
        Assert.Equal(2, delivery.GetStats().BufferedPoints);
    }

    [Fact]
    public async Task The_final_flush_skips_the_back_off_and_counts_what_it_could_not_send()
    {
        var clock = new ManualClock();
        var log = new RecordingLog();
        var sink = new ScriptedSink(_ => Fail);
        var delivery = new NetworkDelivery(sink, Options(), log.Write, clock);
        delivery.Enqueue(TestPoints.Numbered(4));

        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        await delivery.FlushAsync(Deadline(clock), final: true, Ct);

        Assert.Equal(2, sink.Calls);
        var stats = delivery.GetStats();
        Assert.Equal(4, stats.DroppedAtShutdownPoints);
        Assert.Equal(0, stats.BufferedPoints);
        Assert.Equal(1, log.Count("SHUTDOWN"));
        AssertBalanced(stats);
    }

    [Fact]
    public async Task A_second_flush_while_one_runs_waits_no_longer_than_its_own_budget()
    {
        var clock = new ManualClock();
        var release = new TaskCompletionSource<ExportResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new ScriptedSink((_, _, _) => release.Task);
        var delivery = new NetworkDelivery(sink, Options(), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(3));

        var first = delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        await delivery.FlushAsync(Deadline(clock, ms: 300), cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(1, delivery.GetStats().SkippedFlushes);
        Assert.Equal(1, sink.Calls);

        var second = delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);   // queued behind the first
        delivery.Enqueue(TestPoints.Numbered(2, first: 4));
        release.SetResult(ExportResult.Ok);
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(5, delivery.GetStats().SentPoints);
    }

    [Fact]
    public async Task Points_enqueued_during_a_failing_request_and_overflow_are_counted_exactly_once()
    {
        var clock = new ManualClock();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<ExportResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new ScriptedSink(async (call, _, _) =>
        {
            if (call > 1) return ExportResult.Ok;
            inFlight.SetResult();
            return await release.Task;
        });
        var delivery = new NetworkDelivery(sink, Options(maxPoints: 10, batch: 5), new RecordingLog().Write, clock);
        delivery.Enqueue(TestPoints.Numbered(5));
        var flush = delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        delivery.Enqueue(TestPoints.Numbered(8, first: 6));   // 5 in flight + 8 new > 10
        release.SetResult(Fail);
        await flush.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        clock.Advance(TimeSpan.FromSeconds(2));
        await delivery.FlushAsync(Deadline(clock), cancellationToken: Ct);

        var stats = delivery.GetStats();
        var delivered = sink.Acknowledged.Select(p => p.Value).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(13, delivered.Count + stats.DroppedPoints);
        Assert.Equal(Enumerable.Range(4, 10).Select(i => (double)i), delivered); // the 3 oldest went
        AssertBalanced(stats);
    }
}
