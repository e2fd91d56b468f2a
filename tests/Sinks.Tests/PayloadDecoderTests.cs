using System.Globalization;
using System.Text;
using System.Text.Json;
using Pulse.Flushing;
using Pulse.Metrics;
using Pulse.Sinks.Datadog;
using Pulse.Sinks.Otlp;

namespace Pulse.Sinks.Tests;

/// <summary>
/// What the sinks put on the wire, read back by an independent decoder (decoder/decode.js): the OpenTelemetry
/// project's generated protobuf definitions for OTLP, the Datadog API client's models for Datadog.
/// </summary>
public sealed class PayloadDecoderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Report = TestPoints.EventTime;
    private static readonly DateTimeOffset InvokeTime = TestPoints.EventTime.AddSeconds(-3);

    /// <summary>One invocation's worth of points: a counter, distributions in ms and MB, a custom gauge.</summary>
    private static List<MetricPoint> Invocation()
    {
        var tags = TestPoints.Tags(coldStart: true, version: "7");
        return
        [
            new(TestPoints.Invocations, 1, InvokeTime, tags, "req-1"),
            new(TestPoints.Duration, 1234.5, Report, tags, "req-1"),
            new(TestPoints.PostRuntimeDuration, 3.25, Report, tags, "req-1"),
            new(TestPoints.MaxMemoryUsed, 87, Report, tags, "req-1"),
            new(TestPoints.CustomGauge, 42, Report.AddMilliseconds(7), tags),
        ];
    }

    private static async Task<ReceivedRequest> SendThroughAsync(Func<Uri, IMetricSink> sinkFor)
    {
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Ok);
        var delivery = new NetworkDelivery(sinkFor(receiver.BaseUri), new NetworkDeliveryOptions(), _ => { });
        delivery.Enqueue(Invocation());
        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(10), cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(5, delivery.GetStats().SentPoints);
        return receiver.Acknowledged.Single();
    }

    private static string Nanos(DateTimeOffset t) => ((t.ToUnixTimeMilliseconds()) * 1_000_000L).ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, JsonElement> Attributes(JsonElement owner) =>
        owner.TryGetProperty("attributes", out var list)
            ? list.EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"))
            : [];

    private static void AssertOtlpContent(JsonElement request)
    {
        var resourceMetrics = Assert.Single(request.GetProperty("resourceMetrics").EnumerateArray());
        var resource = Attributes(resourceMetrics.GetProperty("resource"));
        Assert.Equal("checkout", resource["service.name"].GetProperty("stringValue").GetString());
        Assert.Equal("checkout", resource["faas.name"].GetProperty("stringValue").GetString());
        Assert.Equal("7", resource["faas.version"].GetProperty("stringValue").GetString());
        Assert.Equal("1073741824", resource["faas.max_memory"].GetProperty("intValue").GetString());
        Assert.Equal("2026/03/14/[7]0123abcd", resource["faas.instance"].GetProperty("stringValue").GetString());
        Assert.Equal("aws", resource["cloud.provider"].GetProperty("stringValue").GetString());
        Assert.Equal("aws_lambda", resource["cloud.platform"].GetProperty("stringValue").GetString());
        Assert.Equal("eu-west-1", resource["cloud.region"].GetProperty("stringValue").GetString());
        Assert.Equal("123456789012", resource["cloud.account.id"].GetProperty("stringValue").GetString());
        Assert.Equal("arm64", resource["host.arch"].GetProperty("stringValue").GetString());

        var scope = Assert.Single(resourceMetrics.GetProperty("scopeMetrics").EnumerateArray());
        Assert.Equal("pulse", scope.GetProperty("scope").GetProperty("name").GetString());
        var metrics = scope.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(
            ["aws.lambda.enhanced.duration", "aws.lambda.enhanced.invocations", "aws.lambda.enhanced.max_memory_used", "aws.lambda.enhanced.post_runtime_duration", "shop.queue_depth"],
            metrics.Keys.Order());

        var invocations = metrics["aws.lambda.enhanced.invocations"];
        Assert.Equal("{count}", invocations.GetProperty("unit").GetString());
        var sum = invocations.GetProperty("sum");
        Assert.Equal("AGGREGATION_TEMPORALITY_DELTA", sum.GetProperty("aggregationTemporality").GetString());
        Assert.True(sum.GetProperty("isMonotonic").GetBoolean());
        var counterPoint = Assert.Single(sum.GetProperty("dataPoints").EnumerateArray());
        Assert.Equal(1, counterPoint.GetProperty("asDouble").GetDouble());
        Assert.Equal(Nanos(InvokeTime), counterPoint.GetProperty("timeUnixNano").GetString());
        var pointAttributes = Attributes(counterPoint);
        Assert.True(pointAttributes["faas.coldstart"].GetProperty("boolValue").GetBoolean());
        Assert.Equal("payments", pointAttributes["team"].GetProperty("stringValue").GetString());

        var duration = metrics["aws.lambda.enhanced.duration"];
        Assert.Equal("ms", duration.GetProperty("unit").GetString());
        var histogram = duration.GetProperty("histogram");
        Assert.Equal("AGGREGATION_TEMPORALITY_DELTA", histogram.GetProperty("aggregationTemporality").GetString());
        var histogramPoint = Assert.Single(histogram.GetProperty("dataPoints").EnumerateArray());
        Assert.Equal("1", histogramPoint.GetProperty("count").GetString());
        Assert.Equal(1234.5, histogramPoint.GetProperty("sum").GetDouble());
        Assert.Equal(1234.5, histogramPoint.GetProperty("min").GetDouble());
        Assert.Equal(1234.5, histogramPoint.GetProperty("max").GetDouble());
        Assert.Equal(["1"], histogramPoint.GetProperty("bucketCounts").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(Nanos(Report), histogramPoint.GetProperty("timeUnixNano").GetString());
        Assert.Equal(Nanos(Report), histogramPoint.GetProperty("startTimeUnixNano").GetString());

        Assert.Equal("MiBy", metrics["aws.lambda.enhanced.max_memory_used"].GetProperty("unit").GetString());
        var gauge = metrics["shop.queue_depth"].GetProperty("gauge");
        var gaugePoint = Assert.Single(gauge.GetProperty("dataPoints").EnumerateArray());
        Assert.Equal(42, gaugePoint.GetProperty("asDouble").GetDouble());
        Assert.Equal(Nanos(Report.AddMilliseconds(7)), gaugePoint.GetProperty("timeUnixNano").GetString());
    }

    private static OtlpSettings Otlp(Uri baseUri, OtlpProtocol protocol, bool gzip) => new()
    {
        MetricsEndpoint = OtlpSettings.AppendMetricsPath(baseUri),
        Protocol = protocol,
        Gzip = gzip,
        Headers = [new("x-vendor-key", "secret-1")],
        FaasInstance = "2026/03/14/[7]0123abcd",
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Otlp_protobuf_decodes_with_the_opentelemetry_definitions(bool gzip)
    {
        var request = await SendThroughAsync(uri => new OtlpSink(Otlp(uri, OtlpProtocol.HttpProtobuf, gzip), _ => { }));

        Assert.Equal("/v1/metrics", request.Path);
        Assert.Equal("application/x-protobuf", request.Header("Content-Type"));
        Assert.Equal("secret-1", request.Header("x-vendor-key"));
        Assert.Equal(gzip ? "gzip" : "identity", request.ContentEncoding);
        AssertOtlpContent(await NodeDecoder.DecodeAsync("otlp-protobuf", request.Body, request.ContentEncoding));
    }

    [Fact]
    public async Task Otlp_json_maps_every_key_to_a_field_of_the_opentelemetry_message()
    {
        var request = await SendThroughAsync(uri => new OtlpSink(Otlp(uri, OtlpProtocol.HttpJson, gzip: false), _ => { }));

        Assert.Equal("application/json", request.Header("Content-Type"));
        AssertOtlpContent(await NodeDecoder.DecodeAsync("otlp-json", request.Body));
    }

    [Fact]
    public async Task Datadog_payload_matches_the_api_client_models()
    {
        var request = await SendThroughAsync(uri => new DatadogSink(
            new DatadogSettings { DistributionPointsUrl = new Uri(uri, DatadogSettings.DistributionPointsPath), ApiKey = "k", Deflate = true }, _ => { }));

        Assert.Equal("deflate", request.ContentEncoding);
        var payload = await NodeDecoder.DecodeAsync("datadog", request.Body, "deflate");
        var series = payload.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("metric").GetString()!);
        Assert.Equal(5, series.Count);

        var duration = series["aws.lambda.enhanced.duration"];
        Assert.Equal("distribution", duration.GetProperty("type").GetString());
        var pair = Assert.Single(duration.GetProperty("points").EnumerateArray());
        Assert.Equal(Report.ToUnixTimeSeconds(), pair[0].GetInt64());
        Assert.Equal(1.2345, Assert.Single(pair[1].EnumerateArray()).GetDouble(), 9);   // seconds in Datadog
        Assert.Equal(3.25, series["aws.lambda.enhanced.post_runtime_duration"].GetProperty("points")[0][1][0].GetDouble()); // ms stays ms
        Assert.Equal(InvokeTime.ToUnixTimeSeconds(), series["aws.lambda.enhanced.invocations"].GetProperty("points")[0][0].GetInt64());
        Assert.True(series.ContainsKey("shop.queue_depth"));

        var tags = duration.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        foreach (var expected in new[] { "functionname:checkout", "region:eu-west-1", "account_id:123456789012", "memorysize:1024",
                     "cold_start:true", "runtime:python3.12", "resource:checkout:7", "executedversion:7", "architecture:arm64", "team:payments" })
            Assert.Contains(expected, tags);
    }

    [Fact]
    public async Task The_decoder_rejects_payloads_that_break_the_schemas()
    {
        // Controls: the checks above could fail. An unknown protobuf field (99), an unknown OTLP/JSON key,
        // a Datadog series without its required metric name, and one with a type the model does not know.
        var unknownField = (await EncodeOtlpAsync()).Concat(new byte[] { 0x9A, 0x06, 0x01, 0x00 }).ToArray();
        Assert.Equal(1, (await NodeDecoder.TryDecodeAsync("otlp-protobuf", unknownField)).Exit);
        Assert.Equal(1, (await NodeDecoder.TryDecodeAsync("otlp-json", Encoding.UTF8.GetBytes("""{"resourceMetrics":[{"resorce":{}}]}"""))).Exit);
        Assert.Equal(1, (await NodeDecoder.TryDecodeAsync("datadog", Encoding.UTF8.GetBytes("""{"series":[{"points":[[1700000000,[1.0]]]}]}"""))).Exit);
        Assert.Equal(1, (await NodeDecoder.TryDecodeAsync("datadog", Encoding.UTF8.GetBytes("""{"series":[{"metric":"m","type":"gauge","points":[[1700000000,[1.0]]]}]}"""))).Exit);
        Assert.Equal(1, (await NodeDecoder.TryDecodeAsync("datadog", Encoding.UTF8.GetBytes("""{"series":[{"metric":"m","points":[[1700000000.5,1.0]]}]}"""))).Exit);
    }

    [Fact]
    public async Task A_large_batch_survives_buffer_growth_and_long_length_prefixes()
    {
        var tags = TestPoints.Tags();
        var points = Enumerable.Range(0, 3000).Select(i => new MetricPoint(
            (i % 3) switch { 0 => TestPoints.Duration, 1 => TestPoints.Invocations, _ => TestPoints.CustomGauge },
            i, TestPoints.EventTime.AddMilliseconds(i), tags with { Extra = [new("shard", new string('x', i % 200))] })).ToList();
        var sink = new OtlpSink(Otlp(new Uri("http://127.0.0.1:1"), OtlpProtocol.HttpProtobuf, gzip: false), _ => { });
        var body = sink.Encode(points).Body;
        Assert.True(body.Length > 300_000, $"payload of {body.Length} bytes is too small to exercise growth");

        var decoded = await NodeDecoder.DecodeAsync("otlp-protobuf", body);
        var metrics = decoded.GetProperty("resourceMetrics")[0].GetProperty("scopeMetrics")[0].GetProperty("metrics").EnumerateArray().ToList();
        var values = metrics.SelectMany(m =>
                (m.TryGetProperty("histogram", out var h) ? h : m.TryGetProperty("sum", out var c) ? c : m.GetProperty("gauge"))
                .GetProperty("dataPoints").EnumerateArray()
                .Select(p => p.TryGetProperty("sum", out var sum) ? sum.GetDouble() : p.GetProperty("asDouble").GetDouble()))
            .Order().ToList();
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (double)i), values);
    }

    private static Task<byte[]> EncodeOtlpAsync()
    {
        var sink = new OtlpSink(Otlp(new Uri("http://127.0.0.1:1"), OtlpProtocol.HttpProtobuf, gzip: false), _ => { });
        return Task.FromResult(sink.Encode(Invocation()).Body);
    }
}
