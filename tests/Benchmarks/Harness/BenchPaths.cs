namespace Pulse.Benchmarks.Harness;

/// <summary>
/// Where every artifact the benchmark uses lives (all under dist/, built by `make build` and by
/// tests/scripts/bench.sh), and, for each one that is missing, what is missing: a figure that needs
/// it is reported "n/a (missing: ...)" instead of failing the run.
/// </summary>
public sealed class BenchPaths
{
    public required string RepoRoot { get; init; }
    public required string Dist { get; init; }
    public required string Output { get; init; }
    public string? Emulator { get; init; }
    public string? TestFunction { get; init; }
    /// <summary>The AOT binary as build.sh published it (dist/publish/x86_64/pulse).</summary>
    public string? PulseAot { get; init; }
    /// <summary>The wrapper script named "pulse" that runs the framework-dependent build: `dotnet pulse.dll`.</summary>
    public string? PulseJit { get; init; }
    public string? Floor { get; init; }
    public string? Launcher { get; init; }

    public static BenchPaths Discover(string repoRoot, string output)
    {
        var dist = Path.Combine(repoRoot, "dist");
        string? Existing(params string[] parts)
        {
            var path = Path.Combine([dist, .. parts]);
            return File.Exists(path) ? path : null;
        }
        return new BenchPaths
        {
            RepoRoot = repoRoot,
            Dist = dist,
            Output = output,
            Emulator = Existing("lambda-emulator"),
            TestFunction = Existing("test-function", "bootstrap"),
            PulseAot = Existing("publish", "x86_64", "pulse"),
            PulseJit = Existing("bench", "pulse-jit", "pulse"),
            Floor = Existing("bench", "floor", "floor"),
            Launcher = Existing("bench", "tools", "exec-stamp"),
        };
    }

    /// <summary>What the sandbox figures need and do not have, in words for "n/a (missing: ...)"; null when complete.</summary>
    public string? MissingForSandbox()
    {
        var missing = new List<string>();
        if (Emulator is null) missing.Add("dist/lambda-emulator (make emulator)");
        if (TestFunction is null) missing.Add("dist/test-function/bootstrap (make test-function)");
        if (Launcher is null) missing.Add("dist/bench/tools/exec-stamp (tests/scripts/bench.sh compiles it with cc)");
        return missing.Count == 0 ? null : string.Join(", ", missing);
    }
}
