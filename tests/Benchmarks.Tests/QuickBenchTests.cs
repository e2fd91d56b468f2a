using System.Diagnostics;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Benchmarks.Tests;

/// <summary>
/// Runs tests/scripts/bench.sh --quick (what `make bench QUICK=1` runs) into a temporary folder and
/// checks what it produced: the exit code, results.json with every figure, each figure either
/// measured or saying what it misses, each target judged, and the printed table. Nothing about speed.
/// </summary>
public sealed class QuickBenchTests
{
    private static readonly string[] ExpectedFigures = ["cold_start", "billed_time", "memory", "cpu", "size", "micro"];

    [Fact]
    public async Task QuickRunWritesAWellFormedTableAndJson()
    {
        var output = Directory.CreateTempSubdirectory("pulse-bench-smoke-").FullName;
        try
        {
            var (exitCode, stdout, elapsed) = await RunBenchAsync(output, TimeSpan.FromMinutes(5));
            Assert.True(exitCode == 0, $"bench.sh --quick exited with {exitCode} after {elapsed.TotalSeconds:0} s:\n{Tail(stdout)}");

            var resultsPath = Path.Combine(output, "results.json");
            Assert.True(File.Exists(resultsPath), $"no results.json in {output}:\n{Tail(stdout)}");
            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsPath, TestContext.Current.CancellationToken));
            var root = results.RootElement;
            Assert.True(root.GetProperty("quick").GetBoolean());
            Assert.Equal("make bench QUICK=1", root.GetProperty("command").GetString());
            Assert.True(root.GetProperty("machine").GetProperty("cores").GetInt32() >= 1);

            var figures = root.GetProperty("figures").EnumerateArray().ToList();
            Assert.Equal(ExpectedFigures, figures.Select(f => f.GetProperty("id").GetString()));
            foreach (var figure in figures)
            {
                var id = figure.GetProperty("id").GetString();
                var rows = figure.GetProperty("rows").EnumerateArray().ToList();
                var missing = figure.GetProperty("missing");
                // A figure is measured, or says what it lacks: never silently empty.
                Assert.True(rows.Count > 0 || missing.ValueKind == JsonValueKind.String, $"figure {id} has no rows and no 'missing' reason");
                // A missing artifact is fine here; the harness itself failing is not.
                Assert.False(missing.ValueKind == JsonValueKind.String && missing.GetString()!.StartsWith("error:", StringComparison.Ordinal),
                    $"figure {id}: {missing}");
                var columns = figure.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
                Assert.NotEmpty(columns);
                foreach (var row in rows)
                {
                    var values = row.GetProperty("values");
                    foreach (var column in columns)
                    {
                        var value = values.GetProperty(column);
                        Assert.True(value.ValueKind is JsonValueKind.Number or JsonValueKind.Null, $"{id}/{column} is {value.ValueKind}");
                    }
                    Assert.True(row.GetProperty("samples").GetInt32() >= 0);
                }
                foreach (var target in figure.GetProperty("targets").EnumerateArray())
                {
                    var met = target.GetProperty("met");
                    var actual = target.GetProperty("actual");
                    Assert.True(met.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null);
                    // "met" is only ever decided on a measured value.
                    Assert.Equal(actual.ValueKind == JsonValueKind.Null, met.ValueKind == JsonValueKind.Null);
                }
            }
            Assert.True(figures.SelectMany(f => f.GetProperty("targets").EnumerateArray()).Count() >= 13, "every target of the issue is listed");

            var table = await File.ReadAllTextAsync(Path.Combine(output, "table.txt"), TestContext.Current.CancellationToken);
            Assert.Contains("1. Cold start (ms)", table);
            Assert.Contains("6. Micro-benchmarks", table);
            Assert.Matches(@"Targets: \d+ met, \d+ not met, \d+ n/a", table);
            Assert.Contains("Targets:", stdout); // the table is printed, not only written

            var markdown = await File.ReadAllTextAsync(Path.Combine(output, "RESULTS.md"), TestContext.Current.CancellationToken);
            Assert.Contains("| target | goal | measured | verdict |", markdown);
            Assert.Contains("make bench QUICK=1", markdown);
        }
        finally
        {
            try { Directory.Delete(output, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunBenchAsync(string output, TimeSpan timeout)
    {
        var script = Path.Combine(TestEnvironment.RepoRoot, "tests", "scripts", "bench.sh");
        var stopwatch = Stopwatch.StartNew();
        var result = await Command.RunAsync(script, ["--quick"], timeout, TestEnvironment.RepoRoot,
            new Dictionary<string, string> { ["BENCH_OUT"] = output });
        var text = result.TimedOut
            ? $"timed out after {timeout.TotalMinutes:0} min\n{result.Stdout}\n{result.Stderr}"
            : result.Stdout + "\n" + result.Stderr;
        return (result.TimedOut ? -1 : result.ExitCode, text, stopwatch.Elapsed);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(60));
}
