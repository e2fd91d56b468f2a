namespace Pulse.Benchmarks.Report;

/// <summary>A named line of (x, y) points for a line chart, e.g. RSS (MB) against invocations.</summary>
public sealed record ChartSeries(string Name, string XLabel, string YLabel, IReadOnlyList<double[]> Points);
