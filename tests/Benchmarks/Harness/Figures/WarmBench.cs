using Pulse.Benchmarks.Harness.Receivers;
using Pulse.Benchmarks.Harness.Sandbox;
using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// Figures 2–4 from the same warm runs: each variant invoked N times in one sandbox. Figure 2 is the
/// post-runtime duration per invocation from the emulator's ground truth (report − runtimeDone) for
/// every flush strategy and sink; figure 3 the extension's RSS after N invocations and over a long
/// run (the leak slope); figure 4 its user+system CPU per invocation.
/// </summary>
public sealed class WarmBench(BenchOptions options, BenchPaths paths, VariantCatalog catalog, Action<string> log)
{
    public const string PostRuntime = "post-runtime";

    private readonly List<(ExtensionVariant Variant, ReceiverMode? Receiver, string? EndpointVariable)> _plan = [];

    public async Task<(Figure Billed, Figure Memory, Figure Cpu)> RunAsync()
    {
        var billed = new Figure { Id = "billed_time", Title = "Added billed time per invocation (post_runtime_extensions_duration)", Unit = "ms", Columns = ["p50", "p99", "max"] };
        var memory = new Figure { Id = "memory", Title = "Extension memory (RSS)", Unit = "MB", Columns = ["RSS", "peak"] };
        var cpu = new Figure { Id = "cpu", Title = "Extension CPU time (user+system) per invocation", Unit = "µs/invoke", Columns = ["cpu"] };

        if (paths.MissingForSandbox() is { } missing)
        {
            foreach (var figure in new[] { billed, memory, cpu }) figure.Missing = missing;
            AddTargets(billed, memory, cpu, slopeBytesPerInvocation: null);
            return (billed, memory, cpu);
        }

        var absent = Plan();
        if (absent.Count > 0) billed.Missing = memory.Missing = cpu.Missing = string.Join(", ", absent);

        var runs = new List<SandboxRun>();
        foreach (var (variant, receiverMode, endpointVariable) in _plan)
        {
            log($"warm: {variant.Id}, {options.FlushInvocations:N0} invocations");
            runs.Add(await RunWithReceiverAsync(variant, receiverMode, endpointVariable, options.FlushInvocations, options.FlushInvocations));
        }

        foreach (var run in runs)
        {
            billed.Rows.Add(new FigureRow
            {
                Measure = PostRuntime,
                Variant = run.VariantId,
                Samples = run.PostRuntimeMs.Count,
                Values = new()
                {
                    ["p50"] = Statistics.Percentile(run.PostRuntimeMs, 0.50),
                    ["p99"] = Statistics.Percentile(run.PostRuntimeMs, 0.99),
                    ["max"] = Statistics.Max(run.PostRuntimeMs),
                },
            });
            if (run.Problems.Count > 0) billed.Notes.Add($"{run.VariantId}: {string.Join("; ", run.Problems)}");
            if (run.AfterLast is { } last)
            {
                memory.Rows.Add(new FigureRow
                {
                    Measure = $"after {run.Invocations:N0} invocations",
                    Variant = run.VariantId,
                    Samples = 1,
                    Values = new() { ["RSS"] = last.RssMb, ["peak"] = last.PeakRssMb },
                });
            }
            if (run.CpuMicrosecondsPerInvoke is { } perInvoke)
            {
                cpu.Rows.Add(new FigureRow { Measure = $"over {run.Invocations:N0} invocations", Variant = run.VariantId, Samples = run.Invocations - 1, Values = new() { ["cpu"] = perInvoke } });
            }
        }

        // The long run, Pulse and the floor: a slope means little without the floor's beside it
        // (a .NET heap grows to its gen0 budget whatever the code does).
        double? slope = null;
        foreach (var variant in new[] { catalog.PulseAotVariant, catalog.FloorVariant }.OfType<ExtensionVariant>())
        {
            log($"long run: {variant.Id}, {options.LongRunInvocations:N0} invocations, RSS every {options.LongRunSampleEvery:N0}");
            var longRun = await SandboxRun.ExecuteAsync(paths, variant, options.LongRunInvocations, options.InvokePayload,
                $"long-{variant.Id}", options.LongRunSampleEvery, options.LongRunBudget, log);
            var variantSlope = AddLongRun(memory, cpu, longRun);
            if (variant.Id == VariantCatalog.PulseAot) slope = variantSlope;
        }

        billed.Notes.Add("post-runtime = platform.report durationMs − platform.runtimeDone durationMs of the same request, from the emulator's record (what Lambda bills after the response).");
        cpu.Notes.Add($"utime+stime from /proc/<pid>/stat (10 ms ticks) between the end of the first invocation and the last one; resolution {10_000.0 / Math.Max(1, options.FlushInvocations - 1):0.#} µs/invoke over {options.FlushInvocations:N0} invocations.");
        Ratios.Apply(billed, VariantCatalog.Floor);
        Ratios.Apply(memory, $"{VariantCatalog.PulseAot} default");
        Ratios.Apply(cpu, $"{VariantCatalog.PulseAot} default");
        AddTargets(billed, memory, cpu, slope);
        return (billed, memory, cpu);
    }

    private async Task<SandboxRun> RunWithReceiverAsync(ExtensionVariant variant, ReceiverMode? receiverMode, string? endpointVariable,
        int invocations, int sampleEvery)
    {
        await using var receiver = receiverMode is { } mode ? new LocalReceiver(mode) : null;
        if (receiver is not null && endpointVariable is not null) variant = variant.With(variant.Id, (endpointVariable, receiver.BaseUrl));
        var run = await SandboxRun.ExecuteAsync(paths, variant, invocations, options.InvokePayload, $"warm-{Sanitize(variant.Id)}", sampleEvery, options.WarmRunBudget, log);
        if (receiver is not null)
        {
            run.Problems.Add(receiver.Requests == 0
                ? $"the {receiver.Mode.ToString().ToLowerInvariant()} receiver got no request: the sink did not send, so this row does not measure it"
                : $"the {receiver.Mode.ToString().ToLowerInvariant()} receiver got {receiver.Requests:N0} requests ({receiver.Bytes:N0} bytes)");
        }
        return run;
    }

    /// <summary>Returns the robust slope of RSS in bytes per invocation over the samples after the first.</summary>
    private double? AddLongRun(Figure memory, Figure cpu, SandboxRun run)
    {
        memory.Lines.Add(new ChartSeries($"{run.VariantId} RSS", "invocations", "RSS (MB)",
            run.RssTrace.Select(p => new double[] { p.Invocations, p.RssMb }).ToList()));
        if (run.AfterLast is { } last)
        {
            memory.Rows.Add(new FigureRow
            {
                Measure = $"after {run.Invocations:N0} invocations",
                Variant = run.VariantId,
                Samples = run.RssTrace.Count,
                Values = new() { ["RSS"] = last.RssMb, ["peak"] = last.PeakRssMb },
            });
        }
        if (run.CpuMicrosecondsPerInvoke is { } perInvoke)
        {
            cpu.Rows.Add(new FigureRow { Measure = $"over {run.Invocations:N0} invocations", Variant = run.VariantId, Samples = run.Invocations - 1, Values = new() { ["cpu"] = perInvoke } });
        }
        if (run.Problems.Count > 0) memory.Notes.Add($"long run {run.VariantId}: {string.Join("; ", run.Problems)}");
        // The first sample is taken right after init; steady state starts at the first periodic sample.
        // In bytes per invocation (= KB per 1,000 invocations).
        var steady = run.RssTrace.Where(p => p.Invocations >= options.LongRunSampleEvery).Select(p => ((double)p.Invocations, p.RssMb * 1024.0 * 1024.0)).ToList();
        var leastSquares = Statistics.Slope(steady);
        var slope = Statistics.RobustSlope(steady);
        memory.Notes.Add($"{run.VariantId}: RSS sampled every {options.LongRunSampleEvery:N0} invocations over {run.Invocations:N0}: " +
                         string.Join(", ", run.RssTrace.Select(p => $"{p.Invocations:N0}: {p.RssMb:0.00}")) + " MB.");
        memory.Notes.Add(slope is { } s
            ? $"{run.VariantId}: RSS slope from {options.LongRunSampleEvery:N0} on: {s:0.##} B/invocation (Theil–Sen, judged), {leastSquares:0.##} B/invocation (least squares)."
            : $"{run.VariantId}: slope: not enough samples.");
        return slope;
    }

    /// <summary>The variants in the order they run; returns what is missing.</summary>
    private List<string> Plan()
    {
        var absent = new List<string>();
        _plan.Add((ExtensionVariant.None, null, null));
        if (catalog.FloorVariant is { } floor) _plan.Add((floor, null, null));
        else absent.Add("floor (dist/bench/floor/floor)");

        if (catalog.PulseAotVariant is { } aot)
        {
            _plan.Add((aot.With($"{VariantCatalog.PulseAot} default", ("PULSE_FLUSH", "default")), null, null));
            _plan.Add((aot.With($"{VariantCatalog.PulseAot} end", ("PULSE_FLUSH", "end")), null, null));
            _plan.Add((aot.With($"{VariantCatalog.PulseAot} periodic,1000", ("PULSE_FLUSH", "periodic,1000")), null, null));
            if (SinkExists("Otlp"))
            {
                var otlp = aot.With("otlp", ("PULSE_SINKS", "otlp"), ("PULSE_FLUSH", "default"));
                _plan.Add((otlp.With($"{VariantCatalog.PulseAot} otlp healthy"), ReceiverMode.Healthy, "PULSE_OTLP_ENDPOINT"));
                _plan.Add((otlp.With($"{VariantCatalog.PulseAot} otlp hanging"), ReceiverMode.Hanging, "PULSE_OTLP_ENDPOINT"));
            }
            else absent.Add("the OTLP sink (extension/Sinks/Otlp)");
            if (SinkExists("Datadog"))
            {
                var datadog = aot.With("datadog", ("PULSE_SINKS", "datadog"), ("PULSE_DATADOG_API_KEY", "bench-not-a-real-key"), ("PULSE_FLUSH", "default"));
                _plan.Add((datadog.With($"{VariantCatalog.PulseAot} datadog healthy"), ReceiverMode.Healthy, "PULSE_DATADOG_URL"));
                _plan.Add((datadog.With($"{VariantCatalog.PulseAot} datadog hanging"), ReceiverMode.Hanging, "PULSE_DATADOG_URL"));
            }
            else absent.Add("the Datadog sink (extension/Sinks/Datadog)");
        }
        else absent.Add("Pulse AOT (dist/publish/x86_64/pulse)");

        if (catalog.PulseJitVariant is { } jit) _plan.Add((jit.With($"{VariantCatalog.PulseJit} default", ("PULSE_FLUSH", "default")), null, null));
        else absent.Add("Pulse JIT (dist/bench/pulse-jit)");
        return absent;
    }

    private bool SinkExists(string name) => Directory.Exists(Path.Combine(paths.RepoRoot, "extension", "Sinks", name));

    private static void AddTargets(Figure billed, Figure memory, Figure cpu, double? slopeBytesPerInvocation)
    {
        var pulseDefault = billed.Find(PostRuntime, $"{VariantCatalog.PulseAot} default");
        billed.Targets.Add(TargetCheck.AtMost("added post-runtime p50 (default)", 0.5, pulseDefault?.Values.GetValueOrDefault("p50"), "ms"));
        billed.Targets.Add(TargetCheck.AtMost("added post-runtime p99 (default)", 2, pulseDefault?.Values.GetValueOrDefault("p99"), "ms"));
        var rss = memory.Rows.FirstOrDefault(r => r.Variant == $"{VariantCatalog.PulseAot} default")?.Values.GetValueOrDefault("peak");
        memory.Targets.Add(TargetCheck.AtMost("peak RSS after the warm run (default)", 12, rss, "MB"));
        // 10 B/invocation = 1 MB per 100,000 invocations: below what this run can tell from GC noise.
        memory.Targets.Add(TargetCheck.NearZero("RSS slope over the long run (Theil–Sen)", 10, slopeBytesPerInvocation, "B/invocation"));
        // The long run gives the finest resolution; the warm run is the fallback.
        var perInvoke = cpu.Rows.LastOrDefault(r => r.Variant == VariantCatalog.PulseAot)?.Values.GetValueOrDefault("cpu")
                        ?? cpu.Rows.FirstOrDefault(r => r.Variant == $"{VariantCatalog.PulseAot} default")?.Values.GetValueOrDefault("cpu");
        cpu.Targets.Add(TargetCheck.AtMost("CPU per invocation (default)", 50, perInvoke, "µs"));
    }

    private static string Sanitize(string id) => new(id.Select(c => char.IsLetterOrDigit(c) || c is '-' ? c : '_').ToArray());
}
