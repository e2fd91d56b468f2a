namespace Pulse.Metrics;

/// <summary>
/// One value of one metric, stamped with the time of the platform event it came from (DESIGN.md
/// decision 4: event time, not flush time). RequestId groups the points of one invocation (EMF writes
/// one line per invocation); it is null for sandbox-level points (shutdowns, unused_init, self-metrics).
/// </summary>
public sealed record MetricPoint(
    MetricDefinition Metric,
    double Value,
    DateTimeOffset Timestamp,
    MetricTags Tags,
    string? RequestId = null);
