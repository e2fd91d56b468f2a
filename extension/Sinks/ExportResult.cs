namespace Pulse.Sinks;

/// <summary>What happened to one export: delivered, worth retrying later, or rejected for good (bad key, bad payload).</summary>
public enum ExportStatus
{
    Success,
    Retryable,
    Rejected,
}

/// <summary>The outcome of <see cref="IMetricSink.ExportAsync"/>; RetryAfter carries a server's Retry-After.</summary>
public readonly record struct ExportResult(ExportStatus Status, string? Detail = null, TimeSpan? RetryAfter = null)
{
    public static ExportResult Ok { get; } = new(ExportStatus.Success);
}
