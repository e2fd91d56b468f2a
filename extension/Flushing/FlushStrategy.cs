using System.Globalization;

namespace Pulse.Flushing;

/// <summary>
/// The parsed PULSE_FLUSH value: <c>default</c>, <c>end</c> or <c>periodic,&lt;ms&gt;</c>. For <c>end</c>,
/// <see cref="EndBudget"/> bounds the wait for runtimeDone plus the flush (PULSE_FLUSH_END_BUDGET_MS).
/// </summary>
public sealed record FlushStrategy(FlushMode Mode, TimeSpan Interval, TimeSpan EndBudget)
{
    public const int MinPeriodMs = 100;
    public const int MaxPeriodMs = 900_000;
    public const string Accepted = "default, end or periodic,<ms> (ms from 100 to 900000)";

    public static FlushStrategy Default { get; } = new(FlushMode.Default, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));

    /// <summary>Parses the PULSE_FLUSH text; null when it is not one of the accepted forms.</summary>
    public static FlushStrategy? TryParse(string text, TimeSpan endBudget)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var mode = parts[0].ToLowerInvariant();
        switch (mode)
        {
            case "default" when parts.Length == 1:
                return Default with { EndBudget = endBudget };
            case "end" when parts.Length == 1:
                return new FlushStrategy(FlushMode.End, TimeSpan.Zero, endBudget);
            case "periodic" or "periodically" when parts.Length == 2
                && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                && ms is >= MinPeriodMs and <= MaxPeriodMs:
                return new FlushStrategy(FlushMode.Periodic, TimeSpan.FromMilliseconds(ms), endBudget);
            default:
                return null;
        }
    }

    public override string ToString() => Mode switch
    {
        FlushMode.End => $"end (budget {EndBudget.TotalMilliseconds:0} ms)",
        FlushMode.Periodic => $"periodic,{Interval.TotalMilliseconds:0}",
        _ => "default",
    };
}
