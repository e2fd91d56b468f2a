using Pulse.Benchmarks.Harness.Sandbox;
using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// Figure 1: forced cold starts (the emulator's --cold-starts: every invocation re-inits the sandbox).
/// Per cold start: exec → /register and exec → first /next ("ready") from the launcher's stamp and the
/// emulator's record (both CLOCK_MONOTONIC), and the init duration of platform.initReport, for no
/// extension, the floor, Pulse AOT and Pulse JIT.
/// </summary>
public sealed class ColdStartBench(BenchOptions options, BenchPaths paths, VariantCatalog catalog, Action<string> log)
{
    public const string Register = "exec → /register";
    public const string Ready = "exec → first /next";
    public const string Init = "init duration";

    public async Task<Figure> RunAsync()
    {
        var figure = new Figure { Id = "cold_start", Title = "Cold start", Unit = "ms", Columns = ["p50", "p90", "p99"] };
        if (paths.MissingForSandbox() is { } missing)
        {
            figure.Missing = missing;
            AddTargets(figure);
            return figure;
        }

        var variants = new List<ExtensionVariant> { ExtensionVariant.None };
        var absent = new List<string>();
        Add(variants, absent, catalog.FloorVariant, "floor (dist/bench/floor/floor)");
        Add(variants, absent, catalog.PulseAotVariant, "Pulse AOT (dist/publish/x86_64/pulse)");
        Add(variants, absent, catalog.PulseJitVariant, "Pulse JIT (dist/bench/pulse-jit)");
        if (absent.Count > 0) figure.Missing = string.Join(", ", absent);

        var samples = variants.ToDictionary(v => v.Id, _ => new ColdStartSamples());
        var perRound = (int)Math.Ceiling(options.ColdStarts / (double)options.ColdStartRounds);
        for (var round = 0; round < options.ColdStartRounds; round++)
        {
            foreach (var variant in variants)
            {
                log($"cold start: {variant.Id}, round {round + 1}/{options.ColdStartRounds}, {perRound} cold starts");
                await MeasureAsync(VariantCatalog.WithFreshPorts(variant), perRound, $"cold-{variant.Id}-{round}", samples[variant.Id]);
            }
        }

        // Grouped by measure, so each measure's variants sit side by side in the table and the chart.
        foreach (var variant in variants.Where(v => v.HasExtension)) figure.Rows.Add(Row(Register, variant.Id, samples[variant.Id].Register));
        foreach (var variant in variants.Where(v => v.HasExtension)) figure.Rows.Add(Row(Ready, variant.Id, samples[variant.Id].Ready));
        foreach (var variant in variants) figure.Rows.Add(Row(Init, variant.Id, samples[variant.Id].Init));
        foreach (var variant in variants.Where(v => samples[v.Id].Problems.Count > 0))
        {
            figure.Notes.Add($"{variant.Id}: {string.Join("; ", samples[variant.Id].Problems.Distinct())}");
        }
        Ratios.Apply(figure, VariantCatalog.PulseAot);
        AddTargets(figure);
        if (catalog.JitExtensionName is { } jitName && jitName != "pulse")
        {
            figure.Notes.Add($"the JIT build registers as '{jitName}' (its name comes from `dotnet {jitName}`'s command line), so its wrapper file is named so.");
        }
        figure.Notes.Add("exec = the launcher's CLOCK_MONOTONIC stamp just before execve of the extension; /register and /next = when the emulator received the call (same clock).");
        return figure;
    }

    private async Task MeasureAsync(ExtensionVariant variant, int coldStarts, string label, ColdStartSamples samples)
    {
        using var opt = OptDirectory.Create(variant, paths.Launcher!);
        var outcome = await EmulatorSession.RunBatchAsync(paths, opt, paths.Output, label, coldStarts, options.InvokePayload,
            ["--cold-starts"], TimeSpan.FromSeconds(60 + coldStarts * 10));
        if (outcome.TimedOut) samples.Problems.Add($"a batch timed out (log: {outcome.LogPath})");
        else if (outcome.ExitCode != 0) samples.Problems.Add($"the emulator exited with {outcome.ExitCode} (log: {outcome.LogPath})");

        var truth = GroundTruth.Read(outcome.RecordPath);
        samples.Init.AddRange(truth.InitDurationsMs);
        var stamps = opt.Stamps().OrderBy(s => s.MonotonicMs).ToList();
        var registers = truth.ExtensionRegisters().Select(c => c.T).Order().ToList();
        var nexts = truth.ExtensionNexts().Select(c => c.T).Order().ToList();
        for (var i = 0; i < stamps.Count; i++)
        {
            // Each exec is paired with the first call after it and before the next exec.
            var from = stamps[i].MonotonicMs;
            var until = i + 1 < stamps.Count ? stamps[i + 1].MonotonicMs : double.MaxValue;
            var register = registers.FirstOrDefault(t => t > from && t < until, double.NaN);
            var ready = nexts.FirstOrDefault(t => t > from && t < until, double.NaN);
            if (!double.IsNaN(register)) samples.Register.Add(register - from);
            if (!double.IsNaN(ready)) samples.Ready.Add(ready - from);
        }
        if (variant.HasExtension && stamps.Count < coldStarts)
        {
            samples.Problems.Add($"{stamps.Count} of {coldStarts} execs stamped");
        }
    }

    private static FigureRow Row(string measure, string variant, List<double> values) => new()
    {
        Measure = measure,
        Variant = variant,
        Samples = values.Count,
        Values = new()
        {
            ["p50"] = Statistics.Percentile(values, 0.50),
            ["p90"] = Statistics.Percentile(values, 0.90),
            ["p99"] = Statistics.Percentile(values, 0.99),
        },
    };

    private static void AddTargets(Figure figure)
    {
        var register = figure.Find(Register, VariantCatalog.PulseAot)?.Values.GetValueOrDefault("p50");
        var ready = figure.Find(Ready, VariantCatalog.PulseAot)?.Values.GetValueOrDefault("p50");
        var readyJit = figure.Find(Ready, VariantCatalog.PulseJit)?.Values.GetValueOrDefault("p50");
        figure.Targets.Add(TargetCheck.AtMost("register (p50)", 5, register, "ms"));
        figure.Targets.Add(TargetCheck.AtMost("ready (p50)", 8, ready, "ms"));
        figure.Targets.Add(TargetCheck.AtLeast("ready speed-up vs JIT (p50 JIT / p50 AOT)", 10,
            ready is > 0 && readyJit is not null ? readyJit / ready : null, "×"));
    }

    private static void Add(List<ExtensionVariant> variants, List<string> absent, ExtensionVariant? variant, string what)
    {
        if (variant is null) absent.Add(what);
        else variants.Add(variant);
    }

    private sealed class ColdStartSamples
    {
        public List<double> Register { get; } = [];
        public List<double> Ready { get; } = [];
        public List<double> Init { get; } = [];
        public List<string> Problems { get; } = [];
    }
}
