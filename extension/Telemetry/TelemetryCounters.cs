namespace Pulse.Telemetry;

/// <summary>What the telemetry path saw since start; read by self-metrics and the shutdown summary.</summary>
public sealed class TelemetryCounters
{
    private long _batches, _records, _malformed, _unknown, _droppedByPlatform;

    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Records received (every element of every batch).</summary>
    public long Records => Interlocked.Read(ref _records);
    /// <summary>Records that could not be parsed, plus batches that were not a JSON array or not readable.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);
    /// <summary>Records of a type Pulse does not know.</summary>
    public long Unknown => Interlocked.Read(ref _unknown);
    /// <summary>Records the platform said it dropped (platform.logsDropped droppedRecords).</summary>
    public long DroppedByPlatform => Interlocked.Read(ref _droppedByPlatform);

    public void Batch() => Interlocked.Increment(ref _batches);
    public void Record() => Interlocked.Increment(ref _records);
    public void MalformedOne() => Interlocked.Increment(ref _malformed);
    public void UnknownOne() => Interlocked.Increment(ref _unknown);
    public void DroppedByPlatformAdd(long count) => Interlocked.Add(ref _droppedByPlatform, count);
}
