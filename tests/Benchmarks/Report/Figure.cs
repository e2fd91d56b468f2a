namespace Pulse.Benchmarks.Report;

/// <summary>
/// One figure of the benchmark (cold start, billed time, memory, CPU, size, micro-benchmarks): its
/// rows side by side with their baselines, the targets it is judged against, and its chart.
/// A figure that could not be measured says why in <see cref="Missing"/> instead of failing the run.
/// </summary>
public sealed class Figure
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    /// <summary>The unit of every value in the rows (ms, MB, µs/invoke, bytes, ns/op ...).</summary>
    public required string Unit { get; init; }
    /// <summary>The names of the values each row carries, in table order (e.g. p50, p90, p99).</summary>
    public required IReadOnlyList<string> Columns { get; init; }
    public List<FigureRow> Rows { get; } = [];
    public List<TargetCheck> Targets { get; } = [];
    /// <summary>Set when the figure (or part of it) is "n/a": what was missing.</summary>
    public string? Missing { get; set; }
    /// <summary>Free-form remarks printed under the table (how a value was obtained, caveats).</summary>
    public List<string> Notes { get; } = [];
    /// <summary>File name of the PNG chart in the output folder, once drawn.</summary>
    public string? Chart { get; set; }
    /// <summary>Series for line charts (x, y), e.g. RSS against invocations; empty for bar charts.</summary>
    public List<ChartSeries> Lines { get; } = [];

    public FigureRow? Find(string measure, string variant) =>
        Rows.FirstOrDefault(r => r.Measure == measure && r.Variant == variant);
}
