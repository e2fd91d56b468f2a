namespace Pulse.Benchmarks.Harness;

/// <summary>Order statistics and a least-squares slope: everything the figures are made of.</summary>
public static class Statistics
{
    /// <summary>
    /// The q-quantile (0 ≤ q ≤ 1) with linear interpolation between the two nearest ranks, so that
    /// p99 of 30 samples is not simply the maximum. Empty input gives null.
    /// </summary>
    public static double? Percentile(IReadOnlyList<double> values, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    public static double? Max(IReadOnlyList<double> values) => values.Count == 0 ? null : values.Max();

    public static double? Mean(IReadOnlyList<double> values) => values.Count == 0 ? null : values.Average();

    /// <summary>
    /// The slope of the least-squares line through (x, y): how much y grows per unit of x.
    /// Fewer than two distinct x give null.
    /// </summary>
    public static double? Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2) return null;
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        double covariance = 0, varianceX = 0;
        foreach (var (x, y) in points)
        {
            covariance += (x - meanX) * (y - meanY);
            varianceX += (x - meanX) * (x - meanX);
        }
        return varianceX == 0 ? null : covariance / varianceX;
    }

    /// <summary>
    /// The Theil–Sen slope: the median of the slopes between every pair of points. One step (a GC
    /// heap that grows once by a few MB) moves it little, where it tilts a least-squares line; a
    /// steady leak moves every pair and so the median. Fewer than two distinct x give null.
    /// </summary>
    public static double? RobustSlope(IReadOnlyList<(double X, double Y)> points)
    {
        var slopes = new List<double>();
        for (var i = 0; i < points.Count; i++)
        {
            for (var j = i + 1; j < points.Count; j++)
            {
                if (points[j].X != points[i].X) slopes.Add((points[j].Y - points[i].Y) / (points[j].X - points[i].X));
            }
        }
        return Percentile(slopes, 0.5);
    }
}
