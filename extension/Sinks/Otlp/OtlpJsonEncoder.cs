using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Pulse.Metrics;

namespace Pulse.Sinks.Otlp;

/// <summary>
/// Writes the same ExportMetricsServiceRequest in OTLP's JSON mapping: lowerCamelCase field names, enums
/// as integers, 64-bit integers as decimal strings. Written with Utf8JsonWriter: no reflection, AOT-safe.
/// </summary>
internal static class OtlpJsonEncoder
{
    private const int AggregationTemporalityDelta = 1;

    public static byte[] Encode(List<OtlpResource> resources, string scopeVersion)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceMetrics");
            foreach (var resource in resources)
            {
                json.WriteStartObject();
                json.WriteStartObject("resource");
                WriteAttributes(json, resource.Attributes);
                json.WriteEndObject();
                json.WriteStartArray("scopeMetrics");
                json.WriteStartObject();
                json.WriteStartObject("scope");
                json.WriteString("name", OtlpBatch.ScopeName);
                json.WriteString("version", scopeVersion);
                json.WriteEndObject();
                json.WriteStartArray("metrics");
                foreach (var metric in resource.Metrics) WriteMetric(json, metric);
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMetric(Utf8JsonWriter json, OtlpMetric metric)
    {
        json.WriteStartObject();
        json.WriteString("name", metric.Name);
        if (metric.Definition.Description.Length > 0) json.WriteString("description", metric.Definition.Description);
        json.WriteString("unit", OtlpBatch.UcumUnit(metric.Definition.Unit));
        switch (metric.Definition.Kind)
        {
            case MetricKind.Counter:
                json.WriteStartObject("sum");
                WriteNumberPoints(json, metric.Points);
                json.WriteNumber("aggregationTemporality", AggregationTemporalityDelta);
                json.WriteBoolean("isMonotonic", true);
                json.WriteEndObject();
                break;
            case MetricKind.Distribution:
                json.WriteStartObject("histogram");
                json.WriteStartArray("dataPoints");
                foreach (var point in metric.Points)
                {
                    json.WriteStartObject();
                    WriteTimes(json, point);
                    json.WriteString("count", "1");
                    json.WriteNumber("sum", point.Value);
                    json.WriteStartArray("bucketCounts");
                    json.WriteStringValue("1");
                    json.WriteEndArray();
                    json.WriteNumber("min", point.Value);
                    json.WriteNumber("max", point.Value);
                    WriteAttributes(json, OtlpBatch.PointAttributes(point));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteNumber("aggregationTemporality", AggregationTemporalityDelta);
                json.WriteEndObject();
                break;
            default:
                json.WriteStartObject("gauge");
                WriteNumberPoints(json, metric.Points);
                json.WriteEndObject();
                break;
        }
        json.WriteEndObject();
    }

    private static void WriteNumberPoints(Utf8JsonWriter json, List<MetricPoint> points)
    {
        json.WriteStartArray("dataPoints");
        foreach (var point in points)
        {
            json.WriteStartObject();
            WriteTimes(json, point);
            json.WriteNumber("asDouble", point.Value);
            WriteAttributes(json, OtlpBatch.PointAttributes(point));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteTimes(Utf8JsonWriter json, MetricPoint point)
    {
        var time = OtlpBatch.UnixNanos(point.Timestamp).ToString(CultureInfo.InvariantCulture);
        json.WriteString("startTimeUnixNano", time);
        json.WriteString("timeUnixNano", time);
    }

    private static void WriteAttributes(Utf8JsonWriter json, List<OtlpAttribute> attributes)
    {
        json.WriteStartArray("attributes");
        foreach (var attribute in attributes)
        {
            json.WriteStartObject();
            json.WriteString("key", attribute.Key);
            json.WriteStartObject("value");
            if (attribute.StringValue is { } s) json.WriteString("stringValue", s);
            else if (attribute.BoolValue is { } b) json.WriteBoolean("boolValue", b);
            else if (attribute.IntValue is { } i) json.WriteString("intValue", i.ToString(CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
