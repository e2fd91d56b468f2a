using System.IO.Compression;
using Pulse.Flushing;
using Pulse.Metrics;

namespace Pulse.Sinks.Datadog;

/// <summary>
/// The datadog sink: enhanced metrics as distribution points to the Datadog intake of the configured site,
/// under the names, units and tags of Datadog's own enhanced metrics. Delivery concerns live in
/// <see cref="NetworkDelivery"/>.
/// </summary>
public sealed class DatadogSink : IMetricSink
{
    public const string SinkName = "datadog";

    // One client for the process, created on first export (never on the start-up path).
    private static HttpClient? s_client;

    private readonly DatadogSettings _settings;
    private readonly Action<string> _log;
    private readonly KeyValuePair<string, string>[] _headers;
    private int _nonFiniteLogged;

    public DatadogSink(DatadogSettings settings, Action<string> log)
    {
        _settings = settings;
        _log = log;
        _headers = [new("DD-API-KEY", settings.ApiKey)];
    }

    public string Name => SinkName;

    private static HttpClient Client => LazyInitializer.EnsureInitialized(ref s_client, NetworkHttpTransport.CreateClient);

    public Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        var finite = NetworkPayloads.WithoutNonFinite(points, SinkName, ref _nonFiniteLogged, _log);
        if (finite.Count == 0) return Task.FromResult(ExportResult.Ok);
        var body = DatadogDistributionEncoder.Encode(finite);
        string? encoding = null;
        if (_settings.Deflate)
        {
            body = NetworkPayloads.Compress(body, static s => new ZLibStream(s, CompressionLevel.Fastest, leaveOpen: true));
            encoding = "deflate";
        }
        return NetworkHttpTransport.PostAsync(Client, _settings.DistributionPointsUrl, body, "application/json", encoding, _headers, cancellationToken);
    }
}
