using Pulse.Invocations;

namespace Pulse.Tests;

public sealed class CostEstimatorTests
{
    [Fact]
    public void Standard_regions_use_the_standard_prices_per_architecture()
    {
        Assert.Equal(new LambdaPrice(0.0000166667, 0.0000002), PriceTable.For("us-east-1", "x86_64"));
        Assert.Equal(new LambdaPrice(0.0000133334, 0.0000002), PriceTable.For("eu-west-1", "arm64"));
        Assert.Equal(0.0000221, PriceTable.For("af-south-1", "x86_64").PerGbSecond);
    }

    [Fact]
    public void Cost_is_the_request_price_plus_gb_seconds()
    {
        var cost = new CostEstimator(new LambdaPrice(0.0000166667, 0.0000002));
        // 1,000 ms at 1,024 MB = 1 GB-s
        Assert.Equal(0.0000168667, cost.Estimate(1000, 1024, null, 999.2, null, "on-demand"), 12);
        Assert.Equal(0.0000002, cost.Estimate(0, 128, null, 0, null, "on-demand"), 12);
    }

    [Fact]
    public void Billed_init_is_added_unless_already_in_the_billed_duration_or_provisioned()
    {
        var cost = new CostEstimator(new LambdaPrice(0.00001, 0));
        var withoutInit = cost.Estimate(100, 1024, initDurationMs: 200.4, durationMs: 99.5, null, "on-demand");
        Assert.Equal(0.00001 * 0.301, withoutInit, 12);      // 100 + ceil(200.4) ms
        var alreadyIncluded = cost.Estimate(300, 1024, initDurationMs: 200.4, durationMs: 99.5, null, "on-demand");
        Assert.Equal(0.00001 * 0.3, alreadyIncluded, 12);
        var provisioned = cost.Estimate(100, 1024, initDurationMs: 200.4, durationMs: 99.5, null, "provisioned-concurrency");
        Assert.Equal(0.00001 * 0.1, provisioned, 12);
        var restore = cost.Estimate(100, 1024, null, 99.5, billedRestoreDurationMs: 400, "snap-start");
        Assert.Equal(0.00001 * 0.5, restore, 12);
    }
}
