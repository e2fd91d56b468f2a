namespace Pulse.Benchmarks.Report;

/// <summary>
/// One line of a figure: a measure (e.g. "exec → /next") for one variant (pulse-aot, pulse-jit,
/// floor, none ...), the number of samples, its values by column and its ratio to a baseline.
/// </summary>
public sealed class FigureRow
{
    public required string Measure { get; init; }
    public required string Variant { get; init; }
    public int Samples { get; init; }
    /// <summary>Column name → value; null when the column does not apply or could not be measured.</summary>
    public Dictionary<string, double?> Values { get; init; } = [];
    /// <summary>This row's first column divided by the same column of <see cref="RatioTo"/>.</summary>
    public double? Ratio { get; set; }
    public string? RatioTo { get; set; }
}
