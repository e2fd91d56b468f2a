#if PULSE_CORE
using BenchmarkDotNet.Attributes;
using Pulse.Config;
using Pulse.Metrics;
using Pulse.Sinks.Emf;

namespace Pulse.Benchmarks.Micro;

/// <summary>
/// Pulse's EMF sink encoding one invocation's points (as the tracker derives them) into its JSON line,
/// written to a null stream: the cost of the default sink without the pipe to the log agent.
/// </summary>
[MemoryDiagnoser]
public class PulseEmfEncodeBenchmark
{
    private List<MetricPoint> _points = [];
    private EmfSink _sink = null!;

    /// <summary>Points in one invocation's line; set by the setup, read by the harness for points/s.</summary>
    public static int PointsPerInvocation { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var publisher = new CapturingPublisher();
        var tracker = PulseCore.Tracker(publisher);
        var (requestId, events) = PulseCore.ParsedInvocations(2)[1];
        var now = DateTimeOffset.UtcNow;
        tracker.OnInvoke(requestId, now.AddSeconds(30).ToUnixTimeMilliseconds(), now);
        foreach (var e in events) tracker.OnTelemetry(e);
        _points = [.. publisher.Last];
        PointsPerInvocation = _points.Count;
        _sink = new EmfSink(Stream.Null, "Pulse", PulseSettings.DefaultEmfDimensions, PulseCore.QuietLog());
    }

    [Benchmark]
    public bool EncodeOneInvocation() =>
        _sink.ExportAsync(_points, CancellationToken.None).GetAwaiter().GetResult().Status == Pulse.Sinks.ExportStatus.Success;
}
#endif
