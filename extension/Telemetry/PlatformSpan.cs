namespace Pulse.Telemetry;

/// <summary>One entry of a record's <c>spans</c> (responseLatency, responseDuration, runtimeOverhead).</summary>
internal sealed class PlatformSpan
{
    public string? Name { get; set; }
    public double? DurationMs { get; set; }
}
