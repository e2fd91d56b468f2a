using Pulse.Metrics;

namespace Pulse.Sinks.Otlp;

/// <summary>
/// Writes an opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest. Field numbers follow
/// opentelemetry-proto (metrics/v1/metrics.proto, common/v1/common.proto, resource/v1/resource.proto).
/// Counters become monotonic delta Sums, distributions delta Histograms with one data point per value
/// (count 1, sum = min = max = value, a single bucket), gauges Gauges; every data point carries the event time.
/// </summary>
internal static class OtlpProtobufEncoder
{
    private const int AggregationTemporalityDelta = 1;

    public static byte[] Encode(List<OtlpResource> resources, string scopeVersion)
    {
        var w = new ProtobufWriter();
        foreach (var resource in resources)
        {
            var resourceMetrics = w.BeginMessage(1);             // ExportMetricsServiceRequest.resource_metrics
            var resourceMessage = w.BeginMessage(1);             // ResourceMetrics.resource
            foreach (var attribute in resource.Attributes) WriteKeyValue(w, 1, attribute); // Resource.attributes
            w.EndMessage(resourceMessage);

            var scopeMetrics = w.BeginMessage(2);                // ResourceMetrics.scope_metrics
            var scope = w.BeginMessage(1);                       // ScopeMetrics.scope
            w.WriteString(1, OtlpBatch.ScopeName);
            w.WriteString(2, scopeVersion);
            w.EndMessage(scope);
            foreach (var metric in resource.Metrics) WriteMetric(w, metric);
            w.EndMessage(scopeMetrics);
            w.EndMessage(resourceMetrics);
        }
        return w.ToArray();
    }

    private static void WriteMetric(ProtobufWriter w, OtlpMetric metric)
    {
        var message = w.BeginMessage(2);                         // ScopeMetrics.metrics
        w.WriteString(1, metric.Name);
        if (metric.Definition.Description.Length > 0) w.WriteString(2, metric.Definition.Description);
        w.WriteString(3, OtlpBatch.UcumUnit(metric.Definition.Unit));
        switch (metric.Definition.Kind)
        {
            case MetricKind.Counter:
            {
                var sum = w.BeginMessage(7);                     // Metric.sum
                foreach (var point in metric.Points) WriteNumberPoint(w, point);
                w.WriteInt64(2, AggregationTemporalityDelta);
                w.WriteBool(3, true);                            // is_monotonic
                w.EndMessage(sum);
                break;
            }
            case MetricKind.Distribution:
            {
                var histogram = w.BeginMessage(9);               // Metric.histogram
                foreach (var point in metric.Points) WriteHistogramPoint(w, point);
                w.WriteInt64(2, AggregationTemporalityDelta);
                w.EndMessage(histogram);
                break;
            }
            default:
            {
                var gauge = w.BeginMessage(5);                   // Metric.gauge
                foreach (var point in metric.Points) WriteNumberPoint(w, point);
                w.EndMessage(gauge);
                break;
            }
        }
        w.EndMessage(message);
    }

    private static void WriteNumberPoint(ProtobufWriter w, MetricPoint point)
    {
        var message = w.BeginMessage(1);                         // data_points
        var time = OtlpBatch.UnixNanos(point.Timestamp);
        w.WriteFixed64(2, time);                                 // start_time_unix_nano: the event is its own interval
        w.WriteFixed64(3, time);                                 // time_unix_nano
        w.WriteDouble(4, point.Value);                           // as_double
        foreach (var attribute in OtlpBatch.PointAttributes(point)) WriteKeyValue(w, 7, attribute);
        w.EndMessage(message);
    }

    private static void WriteHistogramPoint(ProtobufWriter w, MetricPoint point)
    {
        var message = w.BeginMessage(1);                         // data_points
        var time = OtlpBatch.UnixNanos(point.Timestamp);
        w.WriteFixed64(2, time);
        w.WriteFixed64(3, time);
        w.WriteFixed64(4, 1);                                    // count
        w.WriteDouble(5, point.Value);                           // sum
        w.WritePackedFixed64(6, [1UL]);                          // bucket_counts: one bucket, no explicit bounds
        foreach (var attribute in OtlpBatch.PointAttributes(point)) WriteKeyValue(w, 9, attribute);
        w.WriteDouble(11, point.Value);                          // min
        w.WriteDouble(12, point.Value);                          // max
        w.EndMessage(message);
    }

    private static void WriteKeyValue(ProtobufWriter w, int field, OtlpAttribute attribute)
    {
        var keyValue = w.BeginMessage(field);
        w.WriteString(1, attribute.Key);
        var value = w.BeginMessage(2);                           // KeyValue.value (AnyValue)
        if (attribute.StringValue is { } s) w.WriteString(1, s);
        else if (attribute.BoolValue is { } b) w.WriteBool(2, b);
        else if (attribute.IntValue is { } i) w.WriteInt64(3, i);
        w.EndMessage(value);
        w.EndMessage(keyValue);
    }
}
