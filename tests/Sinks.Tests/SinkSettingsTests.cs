using Pulse.Flushing;
using Pulse.Sinks.Datadog;
using Pulse.Sinks.Otlp;

namespace Pulse.Sinks.Tests;

public sealed class SinkSettingsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Theory]
    [InlineData(null, "http://localhost:4318/v1/metrics")]
    [InlineData("http://collector:4318", "http://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/metrics")]
    [InlineData("https://otlp.example.com/otlp", "https://otlp.example.com/otlp/v1/metrics")]
    [InlineData("https://otlp.example.com/otlp/", "https://otlp.example.com/otlp/v1/metrics")]
    [InlineData("http://collector:4318/v1/metrics", "http://collector:4318/v1/metrics")]
    public void Otlp_endpoint_is_a_base_url_with_the_metrics_path_appended(string? endpoint, string expected)
    {
        var log = new RecordingLog();
        var settings = OtlpSettings.FromEnvironment(endpoint is null ? Env() : Env(("PULSE_OTLP_ENDPOINT", endpoint)), log.Write);
        Assert.Equal(expected, settings.MetricsEndpoint.ToString());
        Assert.Empty(log.Lines);
    }

    [Fact]
    public void Otlp_falls_back_to_the_otel_variables()
    {
        var settings = OtlpSettings.FromEnvironment(Env(
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:9/custom/path"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=abc%3D%3D,x-team=pay")), _ => { });
        Assert.Equal("http://m:9/custom/path", settings.MetricsEndpoint.ToString());
        Assert.Equal([new("x-api-key", "abc=="), new("x-team", "pay")], settings.Headers);

        var pulseWins = OtlpSettings.FromEnvironment(Env(("PULSE_OTLP_HEADERS", "a=1"), ("OTEL_EXPORTER_OTLP_HEADERS", "b=2")), _ => { });
        Assert.Equal([new("a", "1")], pulseWins.Headers);
    }

    [Fact]
    public void Otlp_bad_values_fall_back_with_one_line_each_and_never_echo_a_header_value()
    {
        var log = new RecordingLog();
        var settings = OtlpSettings.FromEnvironment(Env(
            ("PULSE_OTLP_ENDPOINT", "collector:4318"),
            ("PULSE_OTLP_PROTOCOL", "grpc"),
            ("PULSE_OTLP_COMPRESSION", "zstd"),
            ("PULSE_OTLP_HEADERS", "good=1,secret-without-name,=topsecret,bad name=x")), log.Write);
        Assert.Equal("http://localhost:4318/v1/metrics", settings.MetricsEndpoint.ToString());
        Assert.Equal(OtlpProtocol.HttpProtobuf, settings.Protocol);
        Assert.False(settings.Gzip);
        Assert.Equal([new("good", "1")], settings.Headers);
        Assert.Equal(1, log.Count("PULSE_OTLP_ENDPOINT"));
        Assert.Equal(1, log.Count("PULSE_OTLP_PROTOCOL"));
        Assert.Equal(1, log.Count("PULSE_OTLP_COMPRESSION"));
        Assert.Equal(3, log.Count("PULSE_OTLP_HEADERS"));
        Assert.DoesNotContain(log.Lines, l => l.Contains("topsecret"));
    }

    [Fact]
    public void Otlp_reads_protocol_compression_and_instance()
    {
        var settings = OtlpSettings.FromEnvironment(Env(("PULSE_OTLP_PROTOCOL", "http/json"), ("PULSE_OTLP_COMPRESSION", "gzip"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/03/14/[$LATEST]abc")), _ => { });
        Assert.Equal(OtlpProtocol.HttpJson, settings.Protocol);
        Assert.True(settings.Gzip);
        Assert.Equal("2026/03/14/[$LATEST]abc", settings.FaasInstance);
    }

    [Fact]
    public void Datadog_without_a_key_is_disabled_with_a_reason_naming_both_variables()
    {
        var log = new RecordingLog();
        Assert.Null(DatadogSettings.FromEnvironment(Env(("PULSE_DATADOG_SITE", "datadoghq.eu")), log.Write, out var reason));
        Assert.Empty(log.Lines);
        Assert.Contains("PULSE_DATADOG_API_KEY", reason);
        Assert.Contains("DD_API_KEY", reason);

        Assert.Null(DatadogSettings.FromEnvironment(Env(("DD_API_KEY", "abc\u0001")), log.Write, out reason));
        Assert.Contains("HTTP header", reason);
    }

    [Theory]
    [InlineData(null, null, "https://api.datadoghq.com/api/v1/distribution_points")]
    [InlineData("datadoghq.eu", null, "https://api.datadoghq.eu/api/v1/distribution_points")]
    [InlineData("us5.datadoghq.com", null, "https://api.us5.datadoghq.com/api/v1/distribution_points")]
    [InlineData("datadoghq.eu", "http://127.0.0.1:9000", "http://127.0.0.1:9000/api/v1/distribution_points")]
    [InlineData(null, "http://127.0.0.1:9000/intake/points", "http://127.0.0.1:9000/intake/points")]
    public void Datadog_url_comes_from_the_site_or_the_override(string? site, string? url, string expected)
    {
        var variables = new List<(string, string)> { ("DD_API_KEY", "k") };
        if (site is not null) variables.Add(("PULSE_DATADOG_SITE", site));
        if (url is not null) variables.Add(("PULSE_DATADOG_URL", url));
        var settings = DatadogSettings.FromEnvironment(Env([.. variables]), _ => { }, out _);
        Assert.NotNull(settings);
        Assert.Equal(expected, settings.DistributionPointsUrl.ToString());
        Assert.False(settings.Deflate);
    }

    [Fact]
    public void Datadog_prefers_the_pulse_key_and_rejects_a_bad_site()
    {
        var log = new RecordingLog();
        var settings = DatadogSettings.FromEnvironment(Env(("PULSE_DATADOG_API_KEY", "pulse-key"), ("DD_API_KEY", "dd-key"),
            ("PULSE_DATADOG_SITE", "evil.com/x?"), ("PULSE_DATADOG_COMPRESSION", "deflate")), log.Write, out _);
        Assert.NotNull(settings);
        Assert.Equal("pulse-key", settings.ApiKey);
        Assert.Equal("https://api.datadoghq.com/api/v1/distribution_points", settings.DistributionPointsUrl.ToString());
        Assert.True(settings.Deflate);
        Assert.Equal(1, log.Count("PULSE_DATADOG_SITE"));
    }

    [Fact]
    public void Delivery_options_read_buffer_and_timeout_and_reject_nonsense()
    {
        var log = new RecordingLog();
        var options = NetworkDeliveryOptions.FromEnvironment(Env(("PULSE_BUFFER_MAX_POINTS", "500"), ("PULSE_REQUEST_TIMEOUT_MS", "750")), log.Write);
        Assert.Equal(500, options.MaxBufferedPoints);
        Assert.Equal(500, options.MaxBatchPoints);
        Assert.Equal(TimeSpan.FromMilliseconds(750), options.RequestTimeout);
        Assert.Empty(log.Lines);

        var bad = NetworkDeliveryOptions.FromEnvironment(Env(("PULSE_BUFFER_MAX_POINTS", "-3"), ("PULSE_REQUEST_TIMEOUT_MS", "soon")), log.Write);
        Assert.Equal(new NetworkDeliveryOptions().MaxBufferedPoints, bad.MaxBufferedPoints);
        Assert.Equal(new NetworkDeliveryOptions().RequestTimeout, bad.RequestTimeout);
        Assert.Equal(2, log.Lines.Count);

        var given = NetworkDeliveryOptions.FromEnvironment(Env(("PULSE_BUFFER_MAX_POINTS", "-3")), log.Write, maxBufferedPoints: 77);
        Assert.Equal(77, given.MaxBufferedPoints);
        Assert.Equal(2, log.Lines.Count);                // the caller owns PULSE_BUFFER_MAX_POINTS then
    }
}
