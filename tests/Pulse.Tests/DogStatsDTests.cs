using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Config;
using Pulse.Metrics;
using Pulse.Sources;
using Pulse.Testing;

namespace Pulse.Tests;

public sealed class DogStatsDTests
{
    private static readonly MetricTags InvocationTags = new() { FunctionName = "fn", Region = "us-east-1", ColdStart = false };

    private static (DogStatsDParser.LineResult Result, StatsdSample? Sample) Parse(string line)
    {
        var result = DogStatsDParser.TryParseLine(Encoding.UTF8.GetBytes(line), out var sample);
        return (result, sample);
    }

    [Fact]
    public void Parses_every_supported_type_with_rate_and_tags()
    {
        var (r1, counter) = Parse("page.views:2|c|@0.5|#env:prod,shop");
        Assert.Equal(DogStatsDParser.LineResult.Ok, r1);
        Assert.Equal(("page.views", StatsdMetricType.Counter, 0.5), (counter!.Name, counter.Type, counter.SampleRate));
        Assert.Equal([2.0], counter.Values);
        Assert.Equal([new("env", "prod"), new("shop", "")], counter.Tags);

        Assert.Equal(StatsdMetricType.Gauge, Parse("queue.depth:-3.5|g").Sample!.Type);
        Assert.Equal(StatsdMetricType.Timer, Parse("db.query:12.5|ms|#table:orders").Sample!.Type);
        Assert.Equal(StatsdMetricType.Histogram, Parse("size:1024|h").Sample!.Type);
        var multi = Parse("latency:1:2:3|d|c:abc123|T1700000000").Sample!;
        Assert.Equal([1.0, 2.0, 3.0], multi.Values);
    }

    [Theory]
    [InlineData("no-value|c")]
    [InlineData("name:|c")]
    [InlineData(":1|c")]
    [InlineData("name:abc|c")]
    [InlineData("name:1|x")]
    [InlineData("name:1")]
    [InlineData("name:1|c|@2")]
    [InlineData("name:1|c|@0")]
    [InlineData("na me:1|c")]
    [InlineData("name:NaN|g")]
    [InlineData("name:1|c|#:novalue")]
    public void Malformed_lines_are_rejected(string line) => Assert.Equal(DogStatsDParser.LineResult.Malformed, Parse(line).Result);

    [Theory]
    [InlineData("users:alice|s")]
    [InlineData("_e{5,4}:title|text")]
    [InlineData("_sc|my.check|0")]
    public void Sets_events_and_service_checks_are_skipped_as_unsupported(string line) =>
        Assert.Equal(DogStatsDParser.LineResult.Unsupported, Parse(line).Result);

    [Fact]
    public void The_aggregator_sums_counters_by_rate_keeps_last_gauges_and_every_distribution_value()
    {
        var aggregator = new CustomMetricAggregator(new PulseLog(TextWriter.Null));
        var listener = typeof(DogStatsDListener); // parsing path exercised through HandleDatagram below
        Assert.NotNull(listener);
        var t = DateTimeOffset.UnixEpoch.AddDays(20000);
        foreach (var line in new[] { "hits:1|c|@0.5", "hits:3|c", "depth:4|g", "depth:7|g", "lat:5|ms", "lat:9|ms", "hits:1|c|#shop:eu" })
            aggregator.Add(Parse(line).Sample!, t);
        var points = new List<MetricPoint>();
        aggregator.Drain(points, "req", InvocationTags);
        Assert.Equal(5, points.Single(p => p.Metric.Name == "hits" && p.Tags.Extra.Count == 0).Value);
        Assert.Equal(1, points.Single(p => p.Metric.Name == "hits" && p.Tags.Extra.Count == 1).Value);
        Assert.Equal(7, points.Single(p => p.Metric.Name == "depth").Value);
        Assert.Equal([5.0, 9.0], points.Where(p => p.Metric.Name == "lat").Select(p => p.Value));
        Assert.Equal(MetricUnit.Milliseconds, points.First(p => p.Metric.Name == "lat").Metric.Unit);
        Assert.All(points, p => Assert.True(p.Metric.IsCustom));
        Assert.All(points, p => Assert.Equal("req", p.RequestId));

        var again = new List<MetricPoint>();
        aggregator.Drain(again, "next", InvocationTags);
        Assert.Empty(again);
    }

    [Fact]
    public void Names_and_tags_that_collide_with_pulse_are_renamed_or_dropped()
    {
        var aggregator = new CustomMetricAggregator(new PulseLog(TextWriter.Null));
        aggregator.Add(Parse("duration:5|d|#region:mars,team:a").Sample!, DateTimeOffset.UnixEpoch);
        var points = new List<MetricPoint>();
        aggregator.Drain(points, null, InvocationTags);
        var point = Assert.Single(points);
        Assert.Equal("custom.duration", point.Metric.Name);
        Assert.Equal([new("team", "a")], point.Tags.Extra);
        Assert.Equal("us-east-1", point.Tags.Region);
    }

    [Fact]
    public async Task The_udp_listener_counts_malformed_lines_and_aggregates_the_rest()
    {
        var aggregator = new CustomMetricAggregator(new PulseLog(TextWriter.Null));
        var port = TestEnvironment.FreeUdpPort();
        await using var listener = DogStatsDListener.TryStart(port, aggregator, new PulseLog(TextWriter.Null));
        Assert.NotNull(listener);
        using var client = new UdpClient();
        var datagram = Encoding.UTF8.GetBytes("ok:1|c\nbroken\nok:2|c\nusers:x|s");
        await client.SendAsync(datagram, new IPEndPoint(IPAddress.Loopback, port));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (listener!.Datagrams < 1 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(1, listener.Datagrams);
        Assert.Equal(2, listener.Samples);
        Assert.Equal(1, listener.Malformed);
        Assert.Equal(1, listener.Unsupported);
        var points = new List<MetricPoint>();
        aggregator.Drain(points, "r", InvocationTags);
        Assert.Equal(3, Assert.Single(points).Value);
    }
}
