namespace Pulse.Docker.Tests;

/// <summary>One CloudWatch Embedded Metric Format line: its metrics (name → values) and its string properties.</summary>
public sealed record EmfRecord(
    string Namespace,
    long Timestamp,
    IReadOnlyDictionary<string, IReadOnlyList<double>> Metrics,
    IReadOnlyDictionary<string, string> Properties,
    IReadOnlyList<IReadOnlyList<string>> Dimensions,
    IReadOnlyDictionary<string, string> Units)
{
    public string? RequestId => Properties.GetValueOrDefault("requestId");

    public bool Has(string metric) => Metrics.ContainsKey(metric);

    /// <summary>The sum of a metric's values on this line (0 when absent).</summary>
    public double Sum(string metric) => Metrics.TryGetValue(metric, out var values) ? values.Sum() : 0;
}
