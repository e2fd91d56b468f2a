namespace Pulse.Invocations;

/// <summary>
/// Lambda on-demand prices in USD, per GB-second of billed duration and per request, by region and
/// architecture. Source: the AWS Lambda pricing page (https://aws.amazon.com/lambda/pricing/), first
/// tier (the first 6 billion GB-seconds of a month; volume discounts and the free tier are ignored),
/// as read in 2025-06. Regions not listed use the standard price that applies to most regions
/// (us-east-1 and others). The request price is the standard $0.20 per million everywhere in this
/// table; a region that charges more can be corrected with PULSE_PRICE_PER_REQUEST, as any price with
/// PULSE_PRICE_PER_GB_SECOND.
/// </summary>
public static class PriceTable
{
    public const double StandardX86PerGbSecond = 0.0000166667;
    public const double StandardArmPerGbSecond = 0.0000133334;
    public const double StandardPerRequest = 0.0000002;

    // Regions priced above the standard rate: (x86_64, arm64) per GB-second.
    private static readonly Dictionary<string, (double X86, double Arm)> Surcharged = new(StringComparer.Ordinal)
    {
        ["af-south-1"] = (0.0000221, 0.0000176800),     // Cape Town
        ["ap-east-1"] = (0.00002865, 0.0000229200),     // Hong Kong
        ["me-south-1"] = (0.0000206667, 0.0000165334),  // Bahrain
        ["eu-south-1"] = (0.0000195172, 0.0000156138),  // Milan
    };

    /// <summary>The price for a region and architecture (x86_64 or arm64).</summary>
    public static LambdaPrice For(string region, string architecture)
    {
        var arm = string.Equals(architecture, "arm64", StringComparison.Ordinal);
        if (Surcharged.TryGetValue(region, out var price))
            return new LambdaPrice(arm ? price.Arm : price.X86, StandardPerRequest);
        return new LambdaPrice(arm ? StandardArmPerGbSecond : StandardX86PerGbSecond, StandardPerRequest);
    }
}
