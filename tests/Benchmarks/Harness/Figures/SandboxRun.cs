using System.Diagnostics;
using Pulse.Benchmarks.Harness.Sandbox;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// One warm run of a variant: start the emulator as a server, invoke it N times over HTTP, sample
/// the extension's /proc between invocations, stop it (SHUTDOWN), then read the ground truth.
/// </summary>
public sealed class SandboxRun
{
    public required string VariantId { get; init; }
    public int Invocations { get; set; }
    public int FailedInvocations { get; set; }
    /// <summary>post_runtime_extensions_duration of every invocation (report − runtimeDone), ms.</summary>
    public List<double> PostRuntimeMs { get; set; } = [];
    /// <summary>The extension after its first invocation (init and one invoke done), and after the last one.</summary>
    public ProcessSample? AfterFirst { get; set; }
    public ProcessSample? AfterLast { get; set; }
    /// <summary>(invocations done, RSS MB) at every sampling point of a long run.</summary>
    public List<(int Invocations, double RssMb)> RssTrace { get; } = [];
    public List<string> Problems { get; } = [];
    public TimeSpan Elapsed { get; set; }

    /// <summary>user+system CPU of the extension per invocation, µs, over invocations 2..N (init excluded).</summary>
    public double? CpuMicrosecondsPerInvoke =>
        AfterFirst is { } first && AfterLast is { } last && Invocations > 1
            ? (last.CpuMs - first.CpuMs) * 1000.0 / (Invocations - 1)
            : null;

    public static async Task<SandboxRun> ExecuteAsync(BenchPaths paths, ExtensionVariant variant, int invocations, string payload,
        string label, int sampleEvery, TimeSpan budget, Action<string> log)
    {
        var run = new SandboxRun { VariantId = variant.Id, Invocations = invocations };
        var stopwatch = Stopwatch.StartNew();
        using var opt = OptDirectory.Create(VariantCatalog.WithFreshPorts(variant), paths.Launcher!);
        await using (var session = EmulatorSession.StartServer(paths, opt, paths.Output, label))
        {
            try
            {
                await session.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
                var pid = (int?)null;
                for (var i = 1; i <= invocations; i++)
                {
                    if (stopwatch.Elapsed > budget)
                    {
                        // A variant that holds every invocation (a hanging sink without a bound) must
                        // not stall the whole benchmark: its figures cover what was done.
                        run.Problems.Add($"stopped after {i - 1:N0} invocations: over the {budget.TotalSeconds:0} s budget of this run");
                        run.AfterLast = pid is { } alive ? ProcessSample.Read(alive) : null;
                        run.Invocations = i - 1;
                        break;
                    }
                    if (!await session.InvokeAsync(payload)) run.FailedInvocations++;
                    if (i == 1)
                    {
                        pid = session.ExtensionPid();
                        run.AfterFirst = pid is { } p ? ProcessSample.Read(p) : null;
                        if (run.AfterFirst is { } s) run.RssTrace.Add((1, s.RssMb));
                    }
                    else if (pid is { } p && (i % sampleEvery == 0 || i == invocations))
                    {
                        var sample = ProcessSample.Read(p);
                        if (sample is not null) run.RssTrace.Add((i, sample.RssMb));
                        if (i == invocations) run.AfterLast = sample;
                    }
                    if (sampleEvery < invocations && i % sampleEvery == 0) log($"  {variant.Id}: {i:N0}/{invocations:N0} invocations");
                }
                if (variant.HasExtension && pid is null) run.Problems.Add("the extension was never exec'd (no launcher stamp)");
            }
            catch (Exception error) when (error is InvalidOperationException or TimeoutException or HttpRequestException or TaskCanceledException)
            {
                run.Problems.Add(error.Message);
            }
            var exit = await session.StopAsync(TimeSpan.FromSeconds(15));
            if (exit != 0) run.Problems.Add($"the emulator exited with {exit} (log: {session.LogPath})");
            var truth = GroundTruth.Read(session.RecordPath);
            run.PostRuntimeMs = truth.PostRuntimeMs();
        }
        if (run.FailedInvocations > 0) run.Problems.Add($"{run.FailedInvocations} of {invocations} invocations failed");
        run.Elapsed = stopwatch.Elapsed;
        log($"  {variant.Id}: {invocations:N0} invocations in {run.Elapsed.TotalSeconds:0.0} s, {run.PostRuntimeMs.Count} reports");
        return run;
    }
}
