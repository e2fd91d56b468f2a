namespace Pulse.Flushing;

/// <summary>Thread-safe counters a delivery keeps; <see cref="Snapshot"/> turns them into <see cref="DeliveryStats"/>.</summary>
public sealed class DeliveryCounters
{
    private long _enqueued, _delivered, _dropped, _flushes, _failedFlushes, _lastFlushTicks;

    public void Enqueued(long count) => Interlocked.Add(ref _enqueued, count);
    public void Delivered(long count) => Interlocked.Add(ref _delivered, count);
    public void Dropped(long count) => Interlocked.Add(ref _dropped, count);

    /// <summary>Records one flush: how long it took and whether it failed (retryable or rejected export, timeout).</summary>
    public void Flushed(TimeSpan elapsed, bool failed)
    {
        Interlocked.Increment(ref _flushes);
        if (failed) Interlocked.Increment(ref _failedFlushes);
        Interlocked.Exchange(ref _lastFlushTicks, elapsed.Ticks);
    }

    public DeliveryStats Snapshot(long pending) => new(
        Interlocked.Read(ref _enqueued),
        Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _dropped),
        pending,
        Interlocked.Read(ref _flushes),
        Interlocked.Read(ref _failedFlushes),
        TimeSpan.FromTicks(Interlocked.Read(ref _lastFlushTicks)).TotalMilliseconds);
}
