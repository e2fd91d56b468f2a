namespace Pulse.Flushing;

/// <summary>
/// Self-metrics of one network sink since start: every point enqueued ends up in exactly one of
/// Sent, Dropped* or Buffered (RetriedPoints counts re-queued attempts and may exceed the others).
/// </summary>
public readonly record struct NetworkDeliveryStats(
    string SinkName,
    long EnqueuedPoints,
    long SentPoints,
    long RetriedPoints,
    long DroppedBufferFullPoints,
    long DroppedRejectedPoints,
    long DroppedAtShutdownPoints,
    int BufferedPoints,
    long Requests,
    long FailedRequests,
    long SkippedFlushes,
    bool CircuitOpen,
    TimeSpan LastLatency,
    TimeSpan MaxLatency,
    TimeSpan TotalLatency)
{
    public long DroppedPoints => DroppedBufferFullPoints + DroppedRejectedPoints + DroppedAtShutdownPoints;
}
