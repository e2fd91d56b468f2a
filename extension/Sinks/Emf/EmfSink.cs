using System.Buffers;
using System.Text.Json;
using Pulse.Config;
using Pulse.Metrics;

namespace Pulse.Sinks.Emf;

/// <summary>
/// CloudWatch Embedded Metric Format on stdout: one JSON line per invocation (per request id, and per
/// custom tag set for custom metrics). <c>_aws.Timestamp</c> is the earliest event time of the line's
/// points (the invocation's start, as CloudWatch stamps Lambda's own metrics); the configured dimension
/// sets reference tag properties; every other tag and the request id are plain properties so Logs
/// Insights can query them. No network: the Lambda log agent ships the line.
/// </summary>
public sealed class EmfSink : IMetricSink
{
    /// <summary>CloudWatch limits: metrics per directive, values per metric array.</summary>
    public const int MaxMetricsPerLine = 100;
    public const int MaxValuesPerMetric = 100;

    private readonly Stream _output;
    private readonly string _namespace;
    private readonly IReadOnlyList<IReadOnlyList<string>> _dimensionSets;
    private readonly PulseLog _log;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly List<MetricGroup> _groups = [];
    // Enhanced points group by request id alone (no key to build); custom points by request id and tag set.
    private readonly Dictionary<string, MetricGroup> _groupsByRequest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricGroup> _groupsByKey = new(StringComparer.Ordinal);
    private readonly Stack<MetricGroup> _spareGroups = new();
    private readonly object _exportGate = new();

    public EmfSink(Stream output, string metricNamespace, IReadOnlyList<IReadOnlyList<string>> dimensionSets, PulseLog log)
    {
        _output = output;
        _namespace = metricNamespace;
        _dimensionSets = dimensionSets;
        _log = log;
    }

    public string Name => "emf";

    /// <summary>Points skipped because their value was not a finite number or a line was full.</summary>
    public long SkippedPoints { get; private set; }

    public Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0) return Task.FromResult(ExportResult.Ok);
        lock (_exportGate)
        {
            try
            {
                _buffer.ResetWrittenCount();
                Group(points);
                using (var writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true }))
                {
                    foreach (var group in _groups)
                    {
                        WriteLine(writer, group);
                        writer.Flush();
                        writer.Reset();
                        _buffer.Write("\n"u8);
                    }
                }
                _output.Write(_buffer.WrittenSpan);
                _output.Flush();
                return Task.FromResult(ExportResult.Ok);
            }
            catch (IOException e)
            {
                return Task.FromResult(new ExportResult(ExportStatus.Retryable, $"stdout write failed: {e.Message}"));
            }
            finally
            {
                RecycleGroups();
            }
        }
    }

    /// <summary>Splits the batch into lines: one per request id for platform-derived points, one per request id and tag set for custom ones.</summary>
    private void Group(IReadOnlyList<MetricPoint> points)
    {
        foreach (var point in points)
        {
            if (!double.IsFinite(point.Value))
            {
                SkippedPoints++;
                continue;
            }
            var groups = point.Metric.IsCustom ? _groupsByKey : _groupsByRequest;
            var key = point.Metric.IsCustom ? GroupKey(point) : point.RequestId ?? "";
            if (!groups.TryGetValue(key, out var group) || !group.CanTake(point))
            {
                group = _spareGroups.Count > 0 ? _spareGroups.Pop() : new MetricGroup();
                group.Start(point);
                _groups.Add(group);
                groups[key] = group;
            }
            group.Add(point);
        }
    }

    private static string GroupKey(MetricPoint point)
    {
        var key = point.RequestId ?? "";
        foreach (var (k, v) in point.Tags.Extra) key += "|" + k + "=" + v;
        return key;
    }

    private void RecycleGroups()
    {
        foreach (var group in _groups)
        {
            group.Clear();
            _spareGroups.Push(group);
        }
        _groups.Clear();
        _groupsByRequest.Clear();
        _groupsByKey.Clear();
    }

    private void WriteLine(Utf8JsonWriter writer, MetricGroup group)
    {
        var tags = group.Tags!;
        writer.WriteStartObject();
        writer.WriteStartObject("_aws"u8);
        writer.WriteNumber("Timestamp"u8, group.Timestamp.ToUnixTimeMilliseconds());
        writer.WriteStartArray("CloudWatchMetrics"u8);
        writer.WriteStartObject();
        writer.WriteString("Namespace"u8, _namespace);
        writer.WriteStartArray("Dimensions"u8);
        var wroteSet = false;
        foreach (var set in _dimensionSets)
        {
            if (!DimensionSetApplies(set, tags, group)) continue;
            writer.WriteStartArray();
            foreach (var key in set) writer.WriteStringValue(key);
            writer.WriteEndArray();
            wroteSet = true;
        }
        if (!wroteSet)
        {
            // Every configured set referenced a tag this line lacks: publish without dimensions rather than an invalid line.
            writer.WriteStartArray();
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("Metrics"u8);
        foreach (var metric in group.Metrics)
        {
            writer.WriteStartObject();
            writer.WriteString("Name"u8, metric.Name);
            writer.WriteString("Unit"u8, CloudWatchUnit(metric.Unit));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();

        foreach (var key in TagKeys.All)
        {
            var value = TagKeys.ValueOf(tags, key);
            if (value is not null && !group.HasMetric(key)) writer.WriteString(key, value);
        }
        foreach (var (key, value) in tags.Extra)
        {
            if (!group.HasMetric(key) && !IsStandardKey(key)) writer.WriteString(key, value);
        }
        if (group.RequestId is { } requestId) writer.WriteString("requestId"u8, requestId);

        for (var i = 0; i < group.Metrics.Count; i++)
        {
            var values = group.Values[i];
            if (values.Count == 1)
            {
                writer.WriteNumber(group.Metrics[i].Name, values[0]);
                continue;
            }
            writer.WriteStartArray(group.Metrics[i].Name);
            foreach (var v in values) writer.WriteNumberValue(v);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static bool IsStandardKey(string key) => key == TagKeys.RequestId || TagKeys.All.Contains(key);

    private static bool DimensionSetApplies(IReadOnlyList<string> set, MetricTags tags, MetricGroup group)
    {
        foreach (var key in set)
        {
            if (TagKeys.ValueOf(tags, key) is null || group.HasMetric(key)) return false;
        }
        return true;
    }

    /// <summary>CloudWatch's unit names; USD has none, so cost is published unitless.</summary>
    public static string CloudWatchUnit(MetricUnit unit) => unit switch
    {
        MetricUnit.Count => "Count",
        MetricUnit.Milliseconds => "Milliseconds",
        MetricUnit.Seconds => "Seconds",
        MetricUnit.Megabytes => "Megabytes",
        MetricUnit.Bytes => "Bytes",
        _ => "None",
    };

    /// <summary>The points of one EMF line: metric names in first-seen order, each with its values.</summary>
    private sealed class MetricGroup
    {
        public List<MetricDefinition> Metrics { get; } = [];
        public List<List<double>> Values { get; } = [];
        private readonly Stack<List<double>> _spareValues = new();
        public MetricTags? Tags { get; private set; }
        public string? RequestId { get; private set; }
        public DateTimeOffset Timestamp { get; private set; }

        public void Start(MetricPoint first)
        {
            Tags = first.Tags;
            RequestId = first.RequestId;
            Timestamp = first.Timestamp;
        }

        /// <summary>False when the point would overflow CloudWatch's per-line limits: the caller starts another line.</summary>
        public bool CanTake(MetricPoint point)
        {
            var index = IndexOf(point.Metric.Name);
            return index >= 0 ? Values[index].Count < MaxValuesPerMetric : Metrics.Count < MaxMetricsPerLine;
        }

        public void Add(MetricPoint point)
        {
            if (point.Timestamp < Timestamp) Timestamp = point.Timestamp;
            var index = IndexOf(point.Metric.Name);
            if (index < 0)
            {
                Metrics.Add(point.Metric);
                var list = _spareValues.Count > 0 ? _spareValues.Pop() : new List<double>(2);
                Values.Add(list);
                index = Metrics.Count - 1;
            }
            Values[index].Add(point.Value);
        }

        public bool HasMetric(string name) => IndexOf(name) >= 0;

        private int IndexOf(string name)
        {
            for (var i = 0; i < Metrics.Count; i++)
            {
                if (string.Equals(Metrics[i].Name, name, StringComparison.Ordinal)) return i;
            }
            return -1;
        }

        public void Clear()
        {
            foreach (var list in Values)
            {
                list.Clear();
                _spareValues.Push(list);
            }
            Metrics.Clear();
            Values.Clear();
            Tags = null;
            RequestId = null;
        }
    }
}
