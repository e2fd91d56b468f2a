using System.Text.Json;
using Pulse.Metrics;
using Pulse.Sinks.Datadog;

namespace Pulse.Sinks.Tests;

public sealed class DatadogEncoderTests
{
    [Theory]
    [InlineData("duration", 1234.5, 1.2345)]
    [InlineData("billed_duration", 1235, 1.235)]
    [InlineData("init_duration", 250, 0.25)]
    [InlineData("snapstart_restore_duration", 80, 0.08)]
    [InlineData("runtime_duration", 1200, 1200)]
    [InlineData("post_runtime_duration", 3.5, 3.5)]
    public void Durations_use_the_units_of_datadogs_enhanced_metrics(string name, double milliseconds, double expected)
    {
        var definition = new MetricDefinition(name, MetricUnit.Milliseconds, MetricKind.Distribution, "");
        var value = DatadogDistributionEncoder.DatadogValue(new MetricPoint(definition, milliseconds, TestPoints.EventTime, TestPoints.Tags()));
        Assert.Equal(expected, value, 9);
    }

    [Fact]
    public void A_custom_metric_keeps_its_name_and_value()
    {
        var custom = new MetricDefinition("duration", MetricUnit.Milliseconds, MetricKind.Distribution, "", IsCustom: true);
        var point = new MetricPoint(custom, 10, TestPoints.EventTime, TestPoints.Tags());
        Assert.Equal("duration", DatadogDistributionEncoder.MetricName(custom));
        Assert.Equal(10, DatadogDistributionEncoder.DatadogValue(point));
    }

    [Fact]
    public void Tags_are_the_ones_datadog_dashboards_filter_on()
    {
        var tags = DatadogDistributionEncoder.Tags(TestPoints.Tags(coldStart: true, version: "7"));
        Assert.Contains("functionname:checkout", tags);
        Assert.Contains("resource:checkout:7", tags);
        Assert.Contains("executedversion:7", tags);
        Assert.Contains("region:eu-west-1", tags);
        Assert.Contains("account_id:123456789012", tags);
        Assert.Contains("memorysize:1024", tags);
        Assert.Contains("cold_start:true", tags);
        Assert.Contains("runtime:python3.12", tags);
        Assert.Contains("architecture:arm64", tags);
        Assert.Contains("team:payments", tags);

        var latest = DatadogDistributionEncoder.Tags(TestPoints.Tags(coldStart: null) with { MemorySizeMb = 0 });
        Assert.DoesNotContain(latest, t => t.StartsWith("memorysize:", StringComparison.Ordinal));
        Assert.DoesNotContain(latest, t => t.StartsWith("executedversion:", StringComparison.Ordinal));
        Assert.DoesNotContain(latest, t => t.StartsWith("cold_start:", StringComparison.Ordinal));
        Assert.Contains("resource:checkout", latest);
    }

    [Fact]
    public void Points_of_one_series_are_grouped_by_event_second()
    {
        var tags = TestPoints.Tags();
        var t0 = TestPoints.EventTime;
        var points = new List<MetricPoint>
        {
            new(TestPoints.Duration, 1000, t0, tags),
            new(TestPoints.Duration, 2000, t0.AddMilliseconds(100), tags),
            new(TestPoints.Duration, 3000, t0.AddSeconds(5), tags),
            new(TestPoints.Invocations, 1, t0, tags),
        };
        using var json = JsonDocument.Parse(DatadogDistributionEncoder.Encode(points));
        var series = json.RootElement.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(2, series.Count);
        var duration = series.Single(s => s.GetProperty("metric").GetString() == "aws.lambda.enhanced.duration");
        Assert.Equal("distribution", duration.GetProperty("type").GetString());
        var pairs = duration.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(2, pairs.Count);
        Assert.Equal(t0.ToUnixTimeSeconds(), pairs[0][0].GetInt64());
        Assert.Equal([1.0, 2.0], pairs[0][1].EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(t0.AddSeconds(5).ToUnixTimeSeconds(), pairs[1][0].GetInt64());
        Assert.Equal([3.0], pairs[1][1].EnumerateArray().Select(v => v.GetDouble()));
    }
}
