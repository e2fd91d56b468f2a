using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Pulse.Benchmarks.Micro;
using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// Figure 6: BenchmarkDotNet micro-benchmarks of Pulse's hot code — telemetry batch parse, metric
/// derivation, EMF encode — beside a generic System.Text.Json parse of the same batch. Short job
/// (Dry in quick mode), in process (no generated project to build), memory diagnoser on:
/// ns/op (median), bytes allocated/op, and events/s from the events one operation handles.
/// </summary>
public sealed class MicroBench(BenchOptions options, BenchPaths paths, Action<string> log)
{
    public const string Parse = "telemetry batch parse";

    public Task<Figure> RunAsync()
    {
        var figure = new Figure { Id = "micro", Title = "Micro-benchmarks (BenchmarkDotNet, short job)", Unit = "per operation", Columns = ["ns/op", "B/op", "events/s"] };
        var cases = MicroCatalog.Cases;
        if (MicroCatalog.Missing is { } missing) figure.Missing = missing;

        var job = (options.Quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var logPath = Path.Combine(paths.Output, "micro-benchmarks.log");
        using var logger = new StreamLogger(logPath);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(logger)
            .WithArtifactsPath(Path.Combine(paths.Output, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);

        foreach (var type in cases.Select(c => c.Type).Distinct())
        {
            log($"micro: {type.Name} ({(options.Quick ? "dry" : "short")} job; log {logPath})");
            Summary summary;
            try
            {
                summary = BenchmarkRunner.Run(type, config);
            }
            catch (Exception error) when (error is InvalidOperationException or NotSupportedException)
            {
                figure.Notes.Add($"{type.Name}: BenchmarkDotNet failed: {error.Message}");
                continue;
            }
            foreach (var report in summary.Reports)
            {
                var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                var known = cases.FirstOrDefault(c => c.Type == type && c.Method == method);
                if (known is null) continue;
                var nanoseconds = report.ResultStatistics?.Median;
                var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                figure.Rows.Add(new FigureRow
                {
                    Measure = known.Measure,
                    Variant = known.Variant,
                    Samples = report.ResultStatistics?.N ?? 0,
                    Values = new()
                    {
                        ["ns/op"] = nanoseconds,
                        ["B/op"] = bytes,
                        ["events/s"] = nanoseconds is > 0 && known.EventsPerOperation() is > 0 and var events ? events * 1e9 / nanoseconds : null,
                    },
                });
            }
            if (summary.HasCriticalValidationErrors) figure.Notes.Add($"{type.Name}: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}");
        }

        Ratios.Apply(figure, "pulse");
        var parse = figure.Find(Parse, "pulse")?.Values.GetValueOrDefault("events/s");
        figure.Targets.Add(TargetCheck.AtLeast("telemetry parse", 200_000, parse, "events/s"));
        figure.Notes.Add("events/s = events handled by one operation / median time per operation; ratio = ns/op over Pulse's.");
        return Task.FromResult(figure);
    }
}
