namespace Pulse.Benchmarks.Harness;

/// <summary>
/// How much to measure. The full run follows the issue (≥ 30 cold starts, ≥ 1,000 invokes per flush
/// setting, 100,000 invokes for the leak slope) and fits in 15 minutes on 2 cores; the quick run only
/// proves the whole pipeline works (a few iterations, under 2 minutes) and its numbers mean nothing.
/// </summary>
public sealed record BenchOptions
{
    public required bool Quick { get; init; }
    public required string Command { get; init; }
    /// <summary>Which figures to run (cold_start, billed_time, memory, cpu, size, micro); empty = all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    public int ColdStarts => Quick ? 3 : 30;
    /// <summary>Cold starts are taken in rounds that alternate the variants, so drift hits all alike.</summary>
    public int ColdStartRounds => Quick ? 1 : 3;
    public int FlushInvocations => Quick ? 20 : 1_000;
    public int LongRunInvocations => Quick ? 100 : 100_000;
    public int LongRunSampleEvery => Quick ? 25 : 10_000;
    public string InvokePayload => "{}";
    /// <summary>Wall-time cap of one warm run and of the long run; a variant over it stops early and says so.</summary>
    public TimeSpan WarmRunBudget => TimeSpan.FromSeconds(Quick ? 15 : 120);
    public TimeSpan LongRunBudget => TimeSpan.FromSeconds(Quick ? 20 : 300);

    public bool Runs(string figure) => Only.Count == 0 || Only.Contains(figure);
}
