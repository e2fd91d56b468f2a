namespace Pulse.Metrics;

/// <summary>How a metric's points combine: counters add up, distributions keep every value.</summary>
public enum MetricKind
{
    /// <summary>One point per occurrence (value usually 1); sums are meaningful.</summary>
    Counter,
    /// <summary>One value per invocation (a duration, a size); percentiles are meaningful.</summary>
    Distribution,
    /// <summary>The last value wins (custom gauges).</summary>
    Gauge,
}
