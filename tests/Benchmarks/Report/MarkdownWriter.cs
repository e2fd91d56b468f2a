using System.Text;

namespace Pulse.Benchmarks.Report;

/// <summary>
/// RESULTS.md of one run: when, where, with which command; the targets not met; the table as printed;
/// the charts. bench.sh writes it to dist/bench/RESULTS.md; a full run's copy is committed under
/// tests/Benchmarks/ with its charts in tests/Benchmarks/charts/.
/// </summary>
public static class MarkdownWriter
{
    public static string Render(BenchResults results, string chartsPrefix)
    {
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results");
        text.AppendLine();
        text.AppendLine($"- Date: {results.Date.UtcDateTime:yyyy-MM-dd HH:mm} UTC{(results.Quick ? " (QUICK smoke run: the numbers mean nothing)" : "")}");
        text.AppendLine($"- Command: `{results.Command}`{(results.GitCommit is null ? "" : $" at commit `{results.GitCommit}`")}");
        text.AppendLine($"- Machine: {results.Machine}");
        text.AppendLine($"- Run time: {results.DurationSeconds:0} s");
        text.AppendLine();

        var targets = results.Figures.SelectMany(f => f.Targets).ToList();
        text.AppendLine("## Targets");
        text.AppendLine();
        text.AppendLine("| target | goal | measured | verdict |");
        text.AppendLine("|---|---|---:|---|");
        foreach (var target in targets)
        {
            text.AppendLine($"| {Cell(target.Name)} | {Cell(target.Target)} | {Cell(TableWriter.FormatActual(target))} | {(target.Met == false ? "**NOT MET**" : TableWriter.Verdict(target.Met))} |");
        }
        text.AppendLine();

        var missing = results.Figures.Where(f => f.Missing is not null).ToList();
        if (missing.Count > 0)
        {
            text.AppendLine("Not measured in this run:");
            text.AppendLine();
            foreach (var figure in missing) text.AppendLine($"- {figure.Title}: {figure.Missing}");
            text.AppendLine();
        }

        text.AppendLine("## Table");
        text.AppendLine();
        text.AppendLine("```text");
        text.Append(TableWriter.Render(results));
        text.AppendLine("```");
        text.AppendLine();

        var charts = results.Figures.Where(f => f.Chart is not null).ToList();
        if (charts.Count > 0)
        {
            text.AppendLine("## Charts");
            text.AppendLine();
            foreach (var figure in charts) text.AppendLine($"![{figure.Title}]({chartsPrefix}{figure.Chart})");
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>A pipe inside a cell (|x| ≤ ...) would end it.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|");
}
