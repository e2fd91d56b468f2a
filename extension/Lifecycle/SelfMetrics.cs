using Pulse.Flushing;
using Pulse.Invocations;
using Pulse.Metrics;
using Pulse.Telemetry;

namespace Pulse.Lifecycle;

/// <summary>How Pulse itself did in this sandbox, as points (emitted once, at SHUTDOWN) and as one summary line.</summary>
public static class SelfMetrics
{
    public static List<MetricPoint> Collect(double? readyMs, double[] flushLatencies, TelemetryCounters telemetry,
        InvocationTracker tracker, IReadOnlyList<ISinkDelivery> deliveries, MetricTags tags, DateTimeOffset time)
    {
        var points = new List<MetricPoint>(16);
        if (readyMs is { } ready) points.Add(new MetricPoint(MetricCatalog.ReadyTime, Math.Round(ready, 3), time, tags));
        foreach (var latency in flushLatencies) points.Add(new MetricPoint(MetricCatalog.FlushLatency, Math.Round(latency, 3), time, tags));
        points.Add(new MetricPoint(MetricCatalog.TelemetryEvents, telemetry.Records, time, tags));
        points.Add(new MetricPoint(MetricCatalog.TelemetryMalformed, telemetry.Malformed + telemetry.Unknown, time, tags));
        points.Add(new MetricPoint(MetricCatalog.TelemetryDropped, telemetry.DroppedByPlatform, time, tags));
        points.Add(new MetricPoint(MetricCatalog.LateReports, tracker.LateReports, time, tags));
        points.Add(new MetricPoint(MetricCatalog.PointsDropped, deliveries.Sum(d => d.GetStats().PointsDropped), time, tags));
        return points;
    }

    public static string Summary(double? readyMs, TelemetryCounters telemetry, InvocationTracker tracker, IReadOnlyList<ISinkDelivery> deliveries)
    {
        var sinks = string.Join(", ", deliveries.Select(d =>
        {
            var s = d.GetStats();
            return $"{d.SinkName}: {s.PointsDelivered} delivered, {s.PointsDropped} dropped, {s.PointsPending} pending";
        }));
        return $"summary: ready {(readyMs is { } r ? $"{r:0.0} ms" : "unknown")}; telemetry {telemetry.Records} records in {telemetry.Batches} batches, " +
               $"{telemetry.Malformed} malformed, {telemetry.Unknown} unknown, {telemetry.DroppedByPlatform} dropped by the platform; " +
               $"{tracker.LateReports} late REPORTs, {tracker.DuplicateEvents} duplicates, {tracker.GivenUp} invocations without REPORT; {sinks}";
    }
}
