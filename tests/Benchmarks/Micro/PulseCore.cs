#if PULSE_CORE
using Pulse.Config;
using Pulse.Invocations;
using Pulse.Metrics;
using Pulse.Telemetry;

namespace Pulse.Benchmarks.Micro;

/// <summary>The pieces of Pulse the derivation and EMF benchmarks share: a tracker fed with parsed telemetry.</summary>
internal static class PulseCore
{
    public static PulseSettings Settings { get; } = new() { FunctionName = "bench", MemorySizeMb = 128, Region = "us-east-1" };

    public static PulseLog QuietLog() => new(TextWriter.Null);

    public static InvocationTracker Tracker(IMetricPublisher publisher) => new(
        publisher,
        new SandboxTags(Settings, () => "provided.al2023"),
        new CostEstimator(PriceTable.For(Settings.Region, Settings.Architecture)),
        QuietLog(),
        DateTimeOffset.UtcNow.AddMinutes(-1),
        Settings.MemorySizeMb);

    /// <summary>The typed events of <paramref name="invocations"/> invocations, grouped by invocation.</summary>
    public static List<(string RequestId, List<TelemetryEvent> Events)> ParsedInvocations(int invocations)
    {
        var events = new List<TelemetryEvent>();
        new TelemetryParser(new TelemetryCounters()).Parse(TelemetryBatches.Build(invocations), events);
        var byInvocation = new List<(string, List<TelemetryEvent>)>();
        for (var i = 0; i < invocations; i++)
        {
            var id = TelemetryBatches.RequestId(i);
            byInvocation.Add((id, events.Where(e => e switch
            {
                StartEvent s => s.RequestId == id,
                RuntimeDoneEvent r => r.RequestId == id,
                ReportEvent r => r.RequestId == id,
                _ => false,
            }).ToList()));
        }
        return byInvocation;
    }
}

/// <summary>Counts what the tracker publishes and keeps the last batch (to feed the EMF benchmark).</summary>
internal sealed class CapturingPublisher : IMetricPublisher
{
    public long Points { get; private set; }
    public List<MetricPoint> Last { get; } = [];

    public void Publish(IReadOnlyList<MetricPoint> points)
    {
        Points += points.Count;
        Last.Clear();
        Last.AddRange(points);
    }
}
#endif
