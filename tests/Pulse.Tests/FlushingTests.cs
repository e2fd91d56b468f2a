using Pulse.Config;
using Pulse.Flushing;
using Pulse.Metrics;
using Pulse.Sinks;

namespace Pulse.Tests;

public sealed class FlushingTests
{
    private static readonly MetricTags Tags = new() { FunctionName = "fn", Region = "us-east-1" };
    private static readonly PulseLog Quiet = new(TextWriter.Null);

    private static List<MetricPoint> Points(int count) =>
        Enumerable.Range(0, count).Select(i => new MetricPoint(MetricCatalog.Duration, i, DateTimeOffset.UnixEpoch, Tags, "r")).ToList();

    /// <summary>A sink that records exports and answers with a scripted status.</summary>
    private sealed class ScriptedSink(Func<int, ExportStatus> status) : IMetricSink
    {
        public List<int> Batches { get; } = [];
        public string Name => "scripted";

        public Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
        {
            lock (Batches) Batches.Add(points.Count);
            return Task.FromResult(new ExportResult(status(Batches.Count)));
        }
    }

    private sealed class RecordingDelivery : ISinkDelivery
    {
        public int Flushes;
        public int Enqueued;
        public string SinkName => "recording";
        public void Enqueue(IReadOnlyList<MetricPoint> points) => Interlocked.Add(ref Enqueued, points.Count);
        public Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Flushes);
            return Task.CompletedTask;
        }
        public DeliveryStats GetStats() => default;
    }

    private sealed class NeverDelivery : ISinkDelivery
    {
        public string SinkName => "never";
        public void Enqueue(IReadOnlyList<MetricPoint> points) { }
        public Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, CancellationToken.None);
        public DeliveryStats GetStats() => default;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < until) await Task.Delay(10);
        Assert.True(condition());
    }

    [Fact]
    public async Task Default_mode_flushes_soon_after_points_are_published()
    {
        var delivery = new RecordingDelivery();
        await using var flusher = new FlushCoordinator([delivery], FlushStrategy.Default, () => 0, Quiet);
        flusher.Start();
        flusher.Publish(Points(3));
        await Eventually(() => Volatile.Read(ref delivery.Flushes) >= 1);
        Assert.Equal(3, delivery.Enqueued);
    }

    [Fact]
    public async Task Periodic_mode_flushes_on_its_timer_and_end_mode_only_when_asked()
    {
        var periodic = new RecordingDelivery();
        await using (var flusher = new FlushCoordinator([periodic], FlushStrategy.TryParse("periodic,100", TimeSpan.FromMilliseconds(200))!, () => 0, Quiet))
        {
            flusher.Start();
            await Eventually(() => Volatile.Read(ref periodic.Flushes) >= 2);
        }

        var end = new RecordingDelivery();
        await using var endFlusher = new FlushCoordinator([end], FlushStrategy.TryParse("end", TimeSpan.FromMilliseconds(200))!, () => 0, Quiet);
        endFlusher.Start();
        endFlusher.Publish(Points(2));
        await Task.Delay(200);
        Assert.Equal(0, end.Flushes);
        await endFlusher.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(1, end.Flushes);
    }

    [Fact]
    public async Task A_flush_returns_at_its_deadline_even_if_a_delivery_never_does()
    {
        var recording = new RecordingDelivery();
        await using var flusher = new FlushCoordinator([new NeverDelivery(), recording], FlushStrategy.TryParse("end", TimeSpan.FromMilliseconds(200))!, () => 0, Quiet);
        var flush = flusher.FlushAsync(DateTimeOffset.UtcNow.AddMilliseconds(200));
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, recording.Flushes);
        Assert.Single(flusher.TakeLatencies());
    }

    [Fact]
    public void The_background_deadline_is_the_invocation_deadline_minus_the_margin()
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        var flusher = new FlushCoordinator([], FlushStrategy.Default, () => deadline.ToUnixTimeMilliseconds(), Quiet);
        Assert.Equal(deadline.ToUnixTimeMilliseconds() - 50, flusher.BackgroundDeadline().ToUnixTimeMilliseconds());
        var idle = new FlushCoordinator([], FlushStrategy.Default, () => 0, Quiet);
        Assert.InRange(idle.BackgroundDeadline() - DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Direct_delivery_acknowledges_requeues_retryable_and_drops_rejected()
    {
        var sink = new ScriptedSink(n => n switch { 1 => ExportStatus.Retryable, 2 => ExportStatus.Success, _ => ExportStatus.Rejected });
        var delivery = new DirectSinkDelivery(sink, 1000, Quiet);
        delivery.Enqueue(Points(5));
        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(5), final: false, CancellationToken.None);
        Assert.Equal(5, delivery.GetStats().PointsPending);       // retryable: kept
        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(5), final: false, CancellationToken.None);
        Assert.Equal((5L, 0L, 0L), (delivery.GetStats().PointsDelivered, delivery.GetStats().PointsDropped, delivery.GetStats().PointsPending));
        delivery.Enqueue(Points(2));
        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(5), final: false, CancellationToken.None);
        var stats = delivery.GetStats();
        Assert.Equal((7L, 5L, 2L, 0L, 3L, 2L), (stats.PointsEnqueued, stats.PointsDelivered, stats.PointsDropped, stats.PointsPending, stats.Flushes, stats.FailedFlushes));
        Assert.Equal([5, 5, 2], sink.Batches);
    }

    [Fact]
    public async Task A_retryable_failure_in_the_final_flush_is_counted_as_dropped_not_kept()
    {
        var sink = new ScriptedSink(_ => ExportStatus.Retryable);
        var delivery = new DirectSinkDelivery(sink, 1000, Quiet);
        delivery.Enqueue(Points(4));

        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(5), final: true, CancellationToken.None);

        var stats = delivery.GetStats();
        Assert.Equal((0L, 4L, 0L), (stats.PointsDelivered, stats.PointsDropped, stats.PointsPending));
    }

    [Fact]
    public void Direct_delivery_drops_the_oldest_beyond_its_bound_and_counts_them()
    {
        var delivery = new DirectSinkDelivery(new ScriptedSink(_ => ExportStatus.Success), 100, Quiet);
        delivery.Enqueue(Points(150));
        var stats = delivery.GetStats();
        Assert.Equal((150L, 50L, 100L), (stats.PointsEnqueued, stats.PointsDropped, stats.PointsPending));
    }
}
