namespace Pulse.Telemetry;

/// <summary>The <c>metrics</c> object of runtimeDone, report, initReport and restoreReport records.</summary>
internal sealed class PlatformMetrics
{
    public double? DurationMs { get; set; }
    public double? BilledDurationMs { get; set; }
    public double? MemorySizeMB { get; set; }
    public double? MaxMemoryUsedMB { get; set; }
    public double? InitDurationMs { get; set; }
    public double? RestoreDurationMs { get; set; }
    public double? BilledRestoreDurationMs { get; set; }
    public double? ProducedBytes { get; set; }
}
