namespace Pulse.Sinks.Otlp;

/// <summary>Settings of the otlp sink, read once from the environment (README in extension/Sinks/ lists them).</summary>
public sealed record OtlpSettings
{
    public const string DefaultBaseEndpoint = "http://localhost:4318";
    public const string MetricsPath = "v1/metrics";

    public required Uri MetricsEndpoint { get; init; }
    public OtlpProtocol Protocol { get; init; } = OtlpProtocol.HttpProtobuf;
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    public bool Gzip { get; init; }
    /// <summary>faas.instance: the log stream name identifies the sandbox (AWS_LAMBDA_LOG_STREAM_NAME).</summary>
    public string? FaasInstance { get; init; }

    /// <summary>
    /// Reads PULSE_OTLP_ENDPOINT (else OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as a full URL, else
    /// OTEL_EXPORTER_OTLP_ENDPOINT), PULSE_OTLP_PROTOCOL, PULSE_OTLP_HEADERS (else OTEL_EXPORTER_OTLP_HEADERS)
    /// and PULSE_OTLP_COMPRESSION. A bad value costs one log line and falls back to the default.
    /// </summary>
    public static OtlpSettings FromEnvironment(Func<string, string?> getVariable, Action<string> log)
    {
        var endpoint = ReadEndpoint(getVariable, log);

        var protocol = OtlpProtocol.HttpProtobuf;
        var rawProtocol = getVariable("PULSE_OTLP_PROTOCOL")?.Trim();
        if (!string.IsNullOrEmpty(rawProtocol))
        {
            if (rawProtocol.Equals("http/json", StringComparison.OrdinalIgnoreCase)) protocol = OtlpProtocol.HttpJson;
            else if (!rawProtocol.Equals("http/protobuf", StringComparison.OrdinalIgnoreCase))
                log($"PULSE_OTLP_PROTOCOL='{rawProtocol}' is not supported (http/protobuf or http/json); using http/protobuf");
        }

        var headersVariable = string.IsNullOrWhiteSpace(getVariable("PULSE_OTLP_HEADERS")) ? "OTEL_EXPORTER_OTLP_HEADERS" : "PULSE_OTLP_HEADERS";
        var headers = Flushing.NetworkHttpTransport.ParseHeaderList(getVariable(headersVariable), headersVariable, log);

        var gzip = false;
        var rawCompression = getVariable("PULSE_OTLP_COMPRESSION")?.Trim();
        if (!string.IsNullOrEmpty(rawCompression))
        {
            if (rawCompression.Equals("gzip", StringComparison.OrdinalIgnoreCase)) gzip = true;
            else if (!rawCompression.Equals("none", StringComparison.OrdinalIgnoreCase))
                log($"PULSE_OTLP_COMPRESSION='{rawCompression}' is not supported (gzip or none); using none");
        }

        var instance = getVariable("AWS_LAMBDA_LOG_STREAM_NAME");
        return new OtlpSettings
        {
            MetricsEndpoint = endpoint,
            Protocol = protocol,
            Headers = headers,
            Gzip = gzip,
            FaasInstance = string.IsNullOrWhiteSpace(instance) ? null : instance,
        };
    }

    private static Uri ReadEndpoint(Func<string, string?> getVariable, Action<string> log)
    {
        foreach (var (name, isBase) in new[] { ("PULSE_OTLP_ENDPOINT", true), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", false), ("OTEL_EXPORTER_OTLP_ENDPOINT", true) })
        {
            var raw = getVariable(name)?.Trim();
            if (string.IsNullOrEmpty(raw)) continue;
            if (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                return isBase ? AppendMetricsPath(uri) : uri;
            log($"{name}='{raw}' is not an absolute http(s) URL; using {DefaultBaseEndpoint}");
            break;
        }
        return AppendMetricsPath(new Uri(DefaultBaseEndpoint));
    }

    /// <summary>
    /// The OTel rule for a base endpoint: the signal path is appended relative to it
    /// (http://h:4318 → /v1/metrics, http://h/otlp/ → /otlp/v1/metrics). A URL that already ends in
    /// /v1/metrics is taken as the full metrics URL, which is what users usually mean.
    /// </summary>
    public static Uri AppendMetricsPath(Uri baseEndpoint)
    {
        var path = baseEndpoint.AbsolutePath;
        if (path.EndsWith("/" + MetricsPath, StringComparison.Ordinal)) return baseEndpoint;
        var builder = new UriBuilder(baseEndpoint) { Path = (path.EndsWith('/') ? path : path + "/") + MetricsPath };
        return builder.Uri;
    }
}
