using System.IO.Compression;
using Pulse.Flushing;
using Pulse.Metrics;

namespace Pulse.Sinks.Otlp;

/// <summary>
/// The otlp sink: OTLP/HTTP metrics (protobuf or JSON, optionally gzip) to a collector or vendor.
/// Delivery concerns (buffer, retry, deadline, breaker) live in <see cref="NetworkDelivery"/>.
/// </summary>
public sealed class OtlpSink : IMetricSink
{
    public const string SinkName = "otlp";

    // One client for the process, created on first export (never on the start-up path).
    private static HttpClient? s_client;

    private readonly OtlpSettings _settings;
    private readonly Action<string> _log;
    private int _nonFiniteLogged;

    public OtlpSink(OtlpSettings settings, Action<string> log)
    {
        _settings = settings;
        _log = log;
    }

    public string Name => SinkName;

    private static HttpClient Client => LazyInitializer.EnsureInitialized(ref s_client, NetworkHttpTransport.CreateClient);

    public Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        var finite = NetworkPayloads.WithoutNonFinite(points, SinkName, ref _nonFiniteLogged, _log);
        if (finite.Count == 0) return Task.FromResult(ExportResult.Ok);
        var (body, contentType) = Encode(finite);
        string? encoding = null;
        if (_settings.Gzip)
        {
            body = NetworkPayloads.Compress(body, static s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true));
            encoding = "gzip";
        }
        return NetworkHttpTransport.PostAsync(Client, _settings.MetricsEndpoint, body, contentType, encoding, _settings.Headers, cancellationToken,
            answer => OtlpPartialSuccess.Read(answer, _settings.Protocol));
    }

    /// <summary>The request body and its media type, as the configured protocol requires.</summary>
    internal (byte[] Body, string ContentType) Encode(IReadOnlyList<MetricPoint> points)
    {
        var resources = OtlpBatch.Group(points, _settings.FaasInstance);
        return _settings.Protocol == OtlpProtocol.HttpJson
            ? (OtlpJsonEncoder.Encode(resources, BuildInfo.Version), "application/json")
            : (OtlpProtobufEncoder.Encode(resources, BuildInfo.Version), "application/x-protobuf");
    }
}
