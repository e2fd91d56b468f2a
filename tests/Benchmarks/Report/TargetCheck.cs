namespace Pulse.Benchmarks.Report;

/// <summary>
/// One target of the issue (e.g. "ready ≤ 8 ms") with the value measured against it. Met is null
/// when the value could not be measured (the figure is n/a), so a missing piece is never "met".
/// </summary>
public sealed record TargetCheck(string Name, string Target, double? Actual, string Unit, bool? Met)
{
    public static TargetCheck AtMost(string name, double limit, double? actual, string unit) =>
        new(name, $"≤ {limit:0.###} {unit}", actual, unit, actual is null ? null : actual <= limit);

    public static TargetCheck AtLeast(string name, double limit, double? actual, string unit) =>
        new(name, $"≥ {limit:0.###} {unit}", actual, unit, actual is null ? null : actual >= limit);

    /// <summary>|actual| ≤ tolerance: used for "slope ≈ 0".</summary>
    public static TargetCheck NearZero(string name, double tolerance, double? actual, string unit) =>
        new(name, $"≈ 0 (|x| ≤ {tolerance:0.###} {unit})", actual, unit, actual is null ? null : Math.Abs(actual.Value) <= tolerance);
}
