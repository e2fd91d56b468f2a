#if PULSE_CORE
using BenchmarkDotNet.Attributes;
using Pulse.Telemetry;

namespace Pulse.Benchmarks.Micro;

/// <summary>Pulse's telemetry parser on one realistic batch (25 invocations, 100 envelopes).</summary>
[MemoryDiagnoser]
public class PulseTelemetryParseBenchmark
{
    public const int Invocations = 25;
    private readonly List<TelemetryEvent> _events = new(128);
    private byte[] _batch = [];
    private TelemetryParser _parser = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = TelemetryBatches.Build(Invocations);
        _parser = new TelemetryParser(new TelemetryCounters());
    }

    [Benchmark]
    public int ParseBatch()
    {
        _events.Clear();
        _parser.Parse(_batch, _events);
        return _events.Count;
    }
}
#endif
