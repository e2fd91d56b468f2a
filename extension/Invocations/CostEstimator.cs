namespace Pulse.Invocations;

/// <summary>
/// Estimated cost of one invocation: the request price plus GB-seconds (billed ms / 1000 × memory MB /
/// 1024) at the GB-second price. Billed INIT (on-demand since Aug 2025, always for custom runtimes) and
/// billed SnapStart restore time are added when the report carries them and its billed duration does not
/// already include them. Provisioned concurrency bills INIT separately, so it is not added there.
/// </summary>
public sealed class CostEstimator
{
    private readonly LambdaPrice _price;

    public CostEstimator(LambdaPrice price) => _price = price;

    public LambdaPrice Price => _price;

    public double Estimate(double billedDurationMs, double memorySizeMb, double? initDurationMs, double? durationMs,
        double? billedRestoreDurationMs, string initializationType)
    {
        var billedMs = Math.Max(0, billedDurationMs);
        if (initDurationMs is > 0 and var init && initializationType != "provisioned-concurrency")
        {
            // When the platform already folded INIT into billedDurationMs, billed ≥ duration + init (ceil to 1 ms).
            var withInit = Math.Ceiling((durationMs ?? 0) + init);
            if (billedMs + 1 < withInit) billedMs += Math.Ceiling(init);
        }
        if (billedRestoreDurationMs is > 0 and var restore) billedMs += restore;
        var gbSeconds = billedMs / 1000.0 * (Math.Max(0, memorySizeMb) / 1024.0);
        return Math.Round(_price.PerRequest + gbSeconds * _price.PerGbSecond, 12);
    }
}
