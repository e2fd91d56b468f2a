namespace Pulse.Metrics;

/// <summary>
/// One entry of the metric catalog: the short name (e.g. <c>post_runtime_duration</c>) that every sink
/// prefixes or maps, its unit, kind and a one-line description. Custom metrics get a definition too.
/// </summary>
public sealed record MetricDefinition(string Name, MetricUnit Unit, MetricKind Kind, string Description, bool IsCustom = false);
