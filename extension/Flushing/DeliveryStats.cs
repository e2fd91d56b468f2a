namespace Pulse.Flushing;

/// <summary>
/// Counters of one <see cref="ISinkDelivery"/> since start: points handed over, acknowledged by the sink,
/// dropped (buffer full, rejected, given up), still buffered; flushes run and failed; the last flush time.
/// </summary>
public readonly record struct DeliveryStats(
    long PointsEnqueued,
    long PointsDelivered,
    long PointsDropped,
    long PointsPending,
    long Flushes,
    long FailedFlushes,
    double LastFlushMs);
