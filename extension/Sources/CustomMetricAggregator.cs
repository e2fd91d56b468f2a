using Pulse.Config;
using Pulse.Invocations;
using Pulse.Metrics;

namespace Pulse.Sources;

/// <summary>
/// Aggregates custom metrics between two drains (one invocation): counters add up (divided by their
/// sample rate), gauges keep the last value, timers, histograms and distributions keep every value (up to
/// <see cref="MaxValuesPerSeries"/>). A series is a name, a type and a tag set; at most
/// <see cref="MaxSeries"/> per invocation. Names that collide with an enhanced metric get a "custom."
/// prefix; tags that collide with a standard tag are dropped. Thread-safe.
/// </summary>
public sealed class CustomMetricAggregator : ICustomMetricDrain
{
    public const int MaxSeries = 1000;
    public const int MaxValuesPerSeries = 1000;

    private readonly object _gate = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly PulseLog _log;
    private long _droppedSamples;

    public CustomMetricAggregator(PulseLog log) => _log = log;

    public long DroppedSamples => Interlocked.Read(ref _droppedSamples);

    public void Add(StatsdSample sample, DateTimeOffset receivedAt)
    {
        var key = SeriesKey(sample);
        lock (_gate)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= MaxSeries)
                {
                    _droppedSamples += sample.Values.Length;
                    _log.Once(LogLevel.Warn, "statsd-series", $"more than {MaxSeries} custom metric series in one invocation; the extra samples are dropped");
                    return;
                }
                series = new Series(Definition(sample), sample.Type, FilterTags(sample.Tags), receivedAt);
                _series.Add(key, series);
            }
            foreach (var value in sample.Values)
            {
                switch (sample.Type)
                {
                    case StatsdMetricType.Counter:
                        series.Sum += value / sample.SampleRate;
                        break;
                    case StatsdMetricType.Gauge:
                        series.Last = value;
                        break;
                    default:
                        if (series.Values.Count >= MaxValuesPerSeries) _droppedSamples++;
                        else series.Values.Add(value);
                        break;
                }
            }
        }
    }

    public void Drain(List<MetricPoint> into, string? requestId, MetricTags invocationTags)
    {
        lock (_gate)
        {
            if (_series.Count == 0) return;
            foreach (var series in _series.Values)
            {
                var tags = series.Tags.Count == 0 ? invocationTags
                    : invocationTags with { Extra = [.. invocationTags.Extra, .. series.Tags] };
                switch (series.Type)
                {
                    case StatsdMetricType.Counter:
                        into.Add(new MetricPoint(series.Definition, series.Sum, series.FirstSeen, tags, requestId));
                        break;
                    case StatsdMetricType.Gauge:
                        into.Add(new MetricPoint(series.Definition, series.Last, series.FirstSeen, tags, requestId));
                        break;
                    default:
                        foreach (var value in series.Values) into.Add(new MetricPoint(series.Definition, value, series.FirstSeen, tags, requestId));
                        break;
                }
            }
            _series.Clear();
        }
    }

    private MetricDefinition Definition(StatsdSample sample)
    {
        var defKey = sample.Name + "|" + (int)sample.Type;
        if (_definitions.TryGetValue(defKey, out var definition)) return definition;
        var name = sample.Name;
        if (MetricCatalog.Find(name) is not null || TagKeys.All.Contains(name) || name == TagKeys.RequestId)
        {
            _log.Once(LogLevel.Warn, "statsd-name-" + name, $"custom metric '{name}' collides with a Pulse metric or tag name; published as 'custom.{name}'");
            name = "custom." + name;
        }
        var (unit, kind) = sample.Type switch
        {
            StatsdMetricType.Counter => (MetricUnit.Count, MetricKind.Counter),
            StatsdMetricType.Gauge => (MetricUnit.None, MetricKind.Gauge),
            StatsdMetricType.Timer => (MetricUnit.Milliseconds, MetricKind.Distribution),
            _ => (MetricUnit.None, MetricKind.Distribution),
        };
        definition = new MetricDefinition(name, unit, kind, "Custom metric (DogStatsD).", IsCustom: true);
        if (_definitions.Count < 4 * MaxSeries) _definitions[defKey] = definition;
        return definition;
    }

    private static IReadOnlyList<KeyValuePair<string, string>> FilterTags(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        if (tags.Count == 0) return tags;
        var kept = new List<KeyValuePair<string, string>>(tags.Count);
        foreach (var tag in tags)
        {
            if (TagKeys.All.Contains(tag.Key) || tag.Key == TagKeys.RequestId || MetricCatalog.Find(tag.Key) is not null) continue;
            kept.Add(new(tag.Key, tag.Value.Length == 0 ? "true" : tag.Value));
        }
        return kept;
    }

    private static string SeriesKey(StatsdSample sample)
    {
        if (sample.Tags.Count == 0) return sample.Name + "|" + (int)sample.Type;
        var sorted = sample.Tags.Select(t => t.Key + ":" + t.Value).Order(StringComparer.Ordinal);
        return sample.Name + "|" + (int)sample.Type + "|" + string.Join(",", sorted);
    }

    private sealed class Series(MetricDefinition definition, StatsdMetricType type, IReadOnlyList<KeyValuePair<string, string>> tags, DateTimeOffset firstSeen)
    {
        public MetricDefinition Definition { get; } = definition;
        public StatsdMetricType Type { get; } = type;
        public IReadOnlyList<KeyValuePair<string, string>> Tags { get; } = tags;
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public double Sum { get; set; }
        public double Last { get; set; }
        public List<double> Values { get; } = [];
    }
}
