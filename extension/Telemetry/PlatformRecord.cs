namespace Pulse.Telemetry;

/// <summary>
/// The <c>record</c> object of every platform event, as one source-generated shape: each event type
/// fills the fields it has. Numbers are doubles so an integer field sent as 12.0 still parses.
/// </summary>
internal sealed class PlatformRecord
{
    public string? RequestId { get; set; }
    public string? Status { get; set; }
    public string? ErrorType { get; set; }
    public string? InitializationType { get; set; }
    public string? Phase { get; set; }
    public string? RuntimeVersion { get; set; }
    public string? Version { get; set; }
    public PlatformMetrics? Metrics { get; set; }
    public List<PlatformSpan>? Spans { get; set; }
    public double? DroppedRecords { get; set; }
    public double? DroppedBytes { get; set; }
    public string? Reason { get; set; }
}
