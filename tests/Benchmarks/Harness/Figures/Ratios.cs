using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>Fills each row's ratio: its first column over the reference variant's, for the same measure.</summary>
public static class Ratios
{
    public static void Apply(Figure figure, string referenceVariant)
    {
        var column = figure.Columns[0];
        foreach (var row in figure.Rows)
        {
            if (row.Variant == referenceVariant) continue;
            var reference = figure.Find(row.Measure, referenceVariant)?.Values.GetValueOrDefault(column);
            var value = row.Values.GetValueOrDefault(column);
            if (reference is > 0 && value is not null)
            {
                row.Ratio = value / reference;
                row.RatioTo = referenceVariant;
            }
        }
    }
}
