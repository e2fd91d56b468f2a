namespace Pulse.Metrics;

/// <summary>The unit a metric is measured in; each sink maps it to its own vocabulary (CloudWatch, UCUM, Datadog).</summary>
public enum MetricUnit
{
    Count,
    Milliseconds,
    Seconds,
    Megabytes,
    Bytes,
    Usd,
    None,
}
