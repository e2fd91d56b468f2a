using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Pulse.Metrics;

namespace Pulse.Sinks.Datadog;

/// <summary>
/// Writes a DistributionPointsPayload for POST /api/v1/distribution_points: one series per metric and tag
/// set, each point a [unix seconds, [values…]] pair. Enhanced metrics are distributions in Datadog (its own
/// extension sends counters as distributions of 1), so every kind goes out this way. Names and units match
/// Datadog's enhanced metrics (spec §7.1): the four durations Datadog documents in seconds are converted
/// from milliseconds; runtime_duration and post_runtime_duration stay in milliseconds.
/// </summary>
internal static class DatadogDistributionEncoder
{
    public const string EnhancedPrefix = "aws.lambda.enhanced.";

    private static readonly HashSet<string> SecondsInDatadog = new(StringComparer.Ordinal)
    {
        "duration", "billed_duration", "init_duration", "snapstart_restore_duration",
    };

    public static string MetricName(MetricDefinition definition) => definition.IsCustom ? definition.Name : EnhancedPrefix + definition.Name;

    /// <summary>The value in the unit Datadog uses for this metric.</summary>
    public static double DatadogValue(MetricPoint point)
    {
        var definition = point.Metric;
        if (!definition.IsCustom && definition.Unit == MetricUnit.Milliseconds && SecondsInDatadog.Contains(definition.Name))
            return point.Value / 1000.0;
        return point.Value;
    }

    /// <summary>The tags Datadog's enhanced-metric dashboards and monitors filter on, then custom tags.</summary>
    public static List<string> Tags(MetricTags tags)
    {
        var list = new List<string>(12 + tags.Extra.Count)
        {
            "functionname:" + tags.FunctionName,
            "resource:" + tags.Resource,
            "region:" + tags.Region,
            "account_id:" + tags.AccountId,
            "aws_account:" + tags.AccountId,
            "runtime:" + tags.Runtime,
            "architecture:" + tags.Architecture,
            "init_type:" + tags.InitType,
        };
        // Unknown memory (0) is left out rather than sent as a misleading memorysize:0.
        if (tags.MemorySizeMb > 0) list.Add("memorysize:" + tags.MemorySizeMb.ToString(CultureInfo.InvariantCulture));
        if (tags.ExecutedVersion != "$LATEST") list.Add("executedversion:" + tags.ExecutedVersion);
        if (tags.ColdStart is { } coldStart) list.Add(coldStart ? "cold_start:true" : "cold_start:false");
        foreach (var (key, value) in tags.Extra)
        {
            if (string.IsNullOrEmpty(key)) continue;
            list.Add(string.IsNullOrEmpty(value) ? key : key + ":" + value);
        }
        return list;
    }

    public static byte[] Encode(IReadOnlyList<MetricPoint> points)
    {
        // Series keyed by name and tag set, in first-seen order; points of a series grouped by second.
        var series = new List<(string Name, List<string> Tags, SortedDictionary<long, List<double>> Points)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var tagCache = new Dictionary<MetricTags, List<string>>(ReferenceEqualityComparer.Instance);
        foreach (var point in points)
        {
            if (!tagCache.TryGetValue(point.Tags, out var tags)) tagCache.Add(point.Tags, tags = Tags(point.Tags));
            var name = MetricName(point.Metric);
            var key = name + "\n" + string.Join('\n', tags);
            if (!index.TryGetValue(key, out var position))
            {
                position = series.Count;
                index.Add(key, position);
                series.Add((name, tags, new SortedDictionary<long, List<double>>()));
            }
            var seconds = point.Timestamp.ToUnixTimeSeconds();
            var byTime = series[position].Points;
            if (!byTime.TryGetValue(seconds, out var values)) byTime.Add(seconds, values = []);
            values.Add(DatadogValue(point));
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("series");
            foreach (var (name, tags, byTime) in series)
            {
                json.WriteStartObject();
                json.WriteString("metric", name);
                json.WriteString("type", "distribution");
                json.WriteStartArray("points");
                foreach (var (seconds, values) in byTime)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(seconds);
                    json.WriteStartArray();
                    foreach (var value in values) json.WriteNumberValue(value);
                    json.WriteEndArray();
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                json.WriteStartArray("tags");
                foreach (var tag in tags) json.WriteStringValue(tag);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
