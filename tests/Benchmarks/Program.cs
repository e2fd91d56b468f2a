using System.Diagnostics;
using Pulse.Benchmarks.Harness;
using Pulse.Benchmarks.Harness.Figures;
using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks;

/// <summary>
/// `Benchmarks [--quick] [--out DIR] [--only f1,f2] [--command TEXT] [--publish DIR]`: runs every figure, prints the
/// table, writes results.json, table.txt, RESULTS.md and one PNG per figure into DIR (default dist/bench).
/// Exit code 0 when the run completed — a target not met is a finding, not a failure; 2 on bad usage.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var quick = false;
        string? output = null;
        string? publish = null;
        var command = "make bench";
        var only = new HashSet<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--command" when i + 1 < args.Length: command = args[++i]; break;
                case "--publish" when i + 1 < args.Length: publish = args[++i]; break;
                case "--only" when i + 1 < args.Length: only.UnionWith(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                default:
                    Console.Error.WriteLine($"bench: unknown argument '{args[i]}'");
                    Console.Error.WriteLine("usage: Benchmarks [--quick] [--out DIR] [--only cold_start,warm,size,micro] [--command TEXT] [--publish DIR]");
                    return 2;
            }
        }

        if (Environment.GetEnvironmentVariable("BENCH_PULSE_ENV") is { Length: > 0 } extra) command += $" (BENCH_PULSE_ENV={extra})";
        var repoRoot = FindRepoRoot();
        output = Path.GetFullPath(output ?? Path.Combine(repoRoot, "dist", "bench"));
        Directory.CreateDirectory(output);
        var options = new BenchOptions { Quick = quick, Command = command, Only = only };
        var paths = BenchPaths.Discover(repoRoot, output);
        var catalog = new VariantCatalog(paths);
        var stopwatch = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine($"[bench {stopwatch.Elapsed:mm\\:ss}] {line}");

        var results = new BenchResults
        {
            Date = DateTimeOffset.UtcNow,
            Command = command,
            Quick = quick,
            Machine = MachineInfo.Current(),
            GitCommit = GitCommit(repoRoot),
        };

        if (options.Runs("cold_start") || options.Runs("warm")) await catalog.ProbeJitNameAsync(Log);
        if (options.Runs("cold_start"))
        {
            results.Figures.AddRange(await Guarded(Log, [("cold_start", "Cold start", "ms")],
                async () => [await new ColdStartBench(options, paths, catalog, Log).RunAsync()]));
        }
        if (options.Runs("warm"))
        {
            results.Figures.AddRange(await Guarded(Log,
                [("billed_time", "Added billed time per invocation (post_runtime_extensions_duration)", "ms"), ("memory", "Extension memory (RSS)", "MB"), ("cpu", "Extension CPU time (user+system) per invocation", "µs/invoke")],
                async () =>
                {
                    var (billed, memory, cpu) = await new WarmBench(options, paths, catalog, Log).RunAsync();
                    return [billed, memory, cpu];
                }));
        }
        if (options.Runs("size")) results.Figures.AddRange(await Guarded(Log, [("size", "Size", "MB")], () => Task.FromResult<Figure[]>([new SizeBench(paths).Run()])));
        if (options.Runs("micro"))
        {
            results.Figures.AddRange(await Guarded(Log, [("micro", "Micro-benchmarks (BenchmarkDotNet, short job)", "per operation")],
                async () => [await new MicroBench(options, paths, Log).RunAsync()]));
        }
        results.DurationSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 1);

        DrawCharts(results, output, Log);
        ResultsWriter.Write(results, Path.Combine(output, "results.json"));
        var table = TableWriter.Render(results);
        await File.WriteAllTextAsync(Path.Combine(output, "table.txt"), table);
        await File.WriteAllTextAsync(Path.Combine(output, "RESULTS.md"), MarkdownWriter.Render(results, chartsPrefix: ""));
        if (publish is not null) await PublishAsync(results, output, publish);
        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine($"[bench] wrote {Path.Combine(output, "results.json")}, table.txt and the charts in {output}");
        return 0;
    }

    /// <summary>
    /// Runs the measurement of one or more figures; if it throws, the run goes on and those figures
    /// say "error: ..." instead (the smoke test fails on that, a missing artifact it accepts).
    /// </summary>
    private static async Task<Figure[]> Guarded(Action<string> log, (string Id, string Title, string Unit)[] ids, Func<Task<Figure[]>> measure)
    {
        try
        {
            return await measure();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            log($"{string.Join(", ", ids.Select(i => i.Id))} failed: {error}");
            return ids.Select(i => new Figure { Id = i.Id, Title = i.Title, Unit = i.Unit, Columns = ["value"], Missing = $"error: {error.GetType().Name}: {error.Message}" }).ToArray();
        }
    }

    /// <summary>--publish DIR: DIR/RESULTS.md and DIR/charts/*.png, the copy of a full run kept in the repository.</summary>
    private static async Task PublishAsync(BenchResults results, string output, string directory)
    {
        var charts = Directory.CreateDirectory(Path.Combine(directory, "charts")).FullName;
        foreach (var figure in results.Figures.Where(f => f.Chart is not null))
        {
            File.Copy(Path.Combine(output, figure.Chart!), Path.Combine(charts, figure.Chart!), overwrite: true);
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "RESULTS.md"), MarkdownWriter.Render(results, chartsPrefix: "charts/"));
        Console.WriteLine($"[bench] published {Path.Combine(directory, "RESULTS.md")} and its charts");
    }

    private static void DrawCharts(BenchResults results, string output, Action<string> log)
    {
        if (ChartWriter.FindGnuplot() is not { } gnuplot)
        {
            log("gnuplot not found (apt-get install gnuplot-nox): no charts; the table and the JSON are complete");
            return;
        }
        var writer = new ChartWriter(output);
        foreach (var figure in results.Figures.Where(f => f.Rows.Count > 0 || f.Lines.Count > 0))
        {
            if (writer.Draw(figure, gnuplot) is { } problem) log($"chart {figure.Id}: {problem}");
        }
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LambdaExtension.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("LambdaExtension.sln not found above the current directory");
    }

    private static string? GitCommit(string repoRoot)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (git is null) return null;
            var text = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5000) && git.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git: the run is still valid, only unlabelled
        }
    }
}
