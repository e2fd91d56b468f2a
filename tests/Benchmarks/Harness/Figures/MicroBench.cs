using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// Figure 6: BenchmarkDotNet micro-benchmarks of the hot code of Pulse (telemetry batch parse, metric
/// derivation, EMF encode), short job, in process: ns/op, bytes allocated/op, events/s.
/// </summary>
public sealed class MicroBench(BenchOptions options, BenchPaths paths, Action<string> log)
{
    public Task<Figure> RunAsync()
    {
        _ = options;
        _ = paths;
        log("micro: waiting for the Pulse core (telemetry parser, tracker, EMF sink)");
        var figure = new Figure { Id = "micro", Title = "Micro-benchmarks (BenchmarkDotNet, short job)", Unit = "per operation", Columns = ["ns/op", "B/op", "events/s"] };
        figure.Missing = "the Pulse core's telemetry parser, tracker and EMF sink (extension/Telemetry, Invocations, Sinks/Emf)";
        figure.Targets.Add(TargetCheck.AtLeast("telemetry parse", 200_000, null, "events/s"));
        return Task.FromResult(figure);
    }
}
