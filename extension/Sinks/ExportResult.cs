namespace Pulse.Sinks;

/// <summary>
/// What happened to one export: delivered, worth retrying later, rejected for good (bad key, bad payload), or
/// refused as too large (HTTP 413) — the same points may go through in smaller requests.
/// </summary>
public enum ExportStatus
{
    Success,
    Retryable,
    Rejected,
    TooLarge,
}

/// <summary>
/// The outcome of <see cref="IMetricSink.ExportAsync"/>; RetryAfter carries a server's Retry-After;
/// RejectedPoints, on a success, the points the backend accepted the request for but refused (OTLP partial success).
/// </summary>
public readonly record struct ExportResult(ExportStatus Status, string? Detail = null, TimeSpan? RetryAfter = null, long RejectedPoints = 0)
{
    public static ExportResult Ok { get; } = new(ExportStatus.Success);
}
