namespace Pulse.Telemetry;

/// <summary>
/// The fields Pulse reads from the <c>record</c> object of a platform event; each event type fills the
/// ones it has. The <c>metrics</c> object and the three runtimeDone spans are flattened into it.
/// </summary>
internal sealed class PlatformRecord
{
    public string? RequestId;
    public string? Status;
    public string? ErrorType;
    public string? InitializationType;
    public string? Phase;
    public string? RuntimeVersion;
    public string? Version;
    public double? DroppedRecords;
    public double? DroppedBytes;
    public string? Reason;
    // metrics
    public double? DurationMs;
    public double? BilledDurationMs;
    public double? MemorySizeMb;
    public double? MaxMemoryUsedMb;
    public double? InitDurationMs;
    public double? RestoreDurationMs;
    public double? BilledRestoreDurationMs;
    public double? ProducedBytes;
    // spans
    public double? ResponseLatencyMs;
    public double? ResponseDurationMs;
    public double? RuntimeOverheadMs;
}
