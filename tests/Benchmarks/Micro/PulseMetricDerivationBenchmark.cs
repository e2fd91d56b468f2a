#if PULSE_CORE
using BenchmarkDotNet.Attributes;
using Pulse.Invocations;
using Pulse.Telemetry;

namespace Pulse.Benchmarks.Micro;

/// <summary>
/// Pulse's invocation tracker: one operation is one whole invocation — INVOKE, then platform.start,
/// runtimeDone and report (already parsed) — ending with its enhanced metrics published. Request ids
/// cycle through 1,024, more than the tracker remembers, so each looks new.
/// </summary>
[MemoryDiagnoser]
public class PulseMetricDerivationBenchmark
{
    public const int EventsPerInvocation = 4;
    private const int DistinctInvocations = 1024;
    private List<(string RequestId, List<TelemetryEvent> Events)> _invocations = [];
    private InvocationTracker _tracker = null!;
    private CapturingPublisher _publisher = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _invocations = PulseCore.ParsedInvocations(DistinctInvocations);
        _publisher = new CapturingPublisher();
        _tracker = PulseCore.Tracker(_publisher);
    }

    [Benchmark]
    public long DeriveOneInvocation()
    {
        var (requestId, events) = _invocations[_next];
        _next = (_next + 1) % DistinctInvocations;
        var now = DateTimeOffset.UtcNow;
        _tracker.OnInvoke(requestId, now.AddSeconds(30).ToUnixTimeMilliseconds(), now);
        foreach (var e in events) _tracker.OnTelemetry(e);
        return _publisher.Points;
    }
}
#endif
