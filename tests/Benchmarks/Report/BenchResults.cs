namespace Pulse.Benchmarks.Report;

/// <summary>Everything one `make bench` run produced: what was run, where, and every figure.</summary>
public sealed class BenchResults
{
    public required DateTimeOffset Date { get; init; }
    public required string Command { get; init; }
    public required bool Quick { get; init; }
    public required MachineInfo Machine { get; init; }
    public string? GitCommit { get; init; }
    public double DurationSeconds { get; set; }
    public List<Figure> Figures { get; } = [];
}
