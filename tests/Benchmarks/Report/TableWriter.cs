using System.Globalization;
using System.Text;

namespace Pulse.Benchmarks.Report;

/// <summary>
/// Renders the results as the plain-text table `make bench` prints and RESULTS.md embeds: one block
/// per figure, rows side by side with their ratio to a baseline, then the targets met / not met.
/// </summary>
public static class TableWriter
{
    public static string Render(BenchResults results)
    {
        var text = new StringBuilder();
        text.AppendLine($"Pulse benchmarks — {results.Date.UtcDateTime:yyyy-MM-dd HH:mm} UTC — {(results.Quick ? "QUICK (smoke run, not figures)" : "full run")} — {results.Command}");
        text.AppendLine($"Machine: {results.Machine}");
        if (results.GitCommit is not null) text.AppendLine($"Commit: {results.GitCommit}");
        text.AppendLine();
        var number = 1;
        foreach (var figure in results.Figures)
        {
            RenderFigure(text, number++, figure);
            text.AppendLine();
        }
        RenderTargetSummary(text, results);
        text.AppendLine($"Run time: {results.DurationSeconds:0} s");
        return text.ToString();
    }

    private static void RenderFigure(StringBuilder text, int number, Figure figure)
    {
        text.AppendLine($"{number}. {figure.Title} ({figure.Unit})");
        if (figure.Missing is not null) text.AppendLine($"   n/a (missing: {figure.Missing})");
        if (figure.Rows.Count > 0)
        {
            var header = new List<string> { "measure", "variant", "n" };
            header.AddRange(figure.Columns);
            header.Add("ratio");
            var lines = new List<List<string>> { header };
            foreach (var row in figure.Rows)
            {
                var cells = new List<string> { row.Measure, row.Variant, row.Samples.ToString(CultureInfo.InvariantCulture) };
                cells.AddRange(figure.Columns.Select(c => FormatValue(row.Values.GetValueOrDefault(c))));
                cells.Add(row.Ratio is { } ratio ? $"{FormatValue(ratio)}× {row.RatioTo}" : "");
                lines.Add(cells);
            }
            AppendAligned(text, lines, numericFrom: 2);
        }
        foreach (var target in figure.Targets)
        {
            text.AppendLine($"   target {target.Name} {target.Target}: {FormatActual(target)} → {Verdict(target.Met)}");
        }
        foreach (var note in figure.Notes) text.AppendLine($"   note: {note}");
        if (figure.Chart is not null) text.AppendLine($"   chart: {figure.Chart}");
    }

    private static void RenderTargetSummary(StringBuilder text, BenchResults results)
    {
        var targets = results.Figures.SelectMany(f => f.Targets).ToList();
        var met = targets.Count(t => t.Met == true);
        var notMet = targets.Where(t => t.Met == false).Select(t => t.Name).ToList();
        var unknown = targets.Where(t => t.Met is null).Select(t => t.Name).ToList();
        text.AppendLine($"Targets: {met} met, {notMet.Count} not met, {unknown.Count} n/a");
        if (notMet.Count > 0) text.AppendLine($"  not met: {string.Join(", ", notMet)}");
        if (unknown.Count > 0) text.AppendLine($"  n/a: {string.Join(", ", unknown)}");
    }

    public static string Verdict(bool? met) => met switch { true => "met", false => "NOT MET", null => "n/a" };

    public static string FormatActual(TargetCheck target) =>
        target.Actual is { } actual ? $"{FormatValue(actual)} {target.Unit}" : "n/a";

    /// <summary>Three significant digits or so: enough to compare, not so many that noise looks like signal.</summary>
    public static string FormatValue(double? value)
    {
        if (value is not { } v) return "n/a";
        if (double.IsNaN(v) || double.IsInfinity(v)) return "n/a";
        var magnitude = Math.Abs(v);
        var format = magnitude switch
        {
            >= 1000 => "#,0",
            >= 100 => "0",
            >= 10 => "0.0",
            >= 1 => "0.00",
            0 => "0",
            >= 0.01 => "0.000",
            _ => "0.0000",
        };
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    private static void AppendAligned(StringBuilder text, List<List<string>> lines, int numericFrom)
    {
        var columns = lines.Max(l => l.Count);
        var widths = Enumerable.Range(0, columns).Select(c => lines.Max(l => c < l.Count ? l[c].Length : 0)).ToArray();
        foreach (var line in lines)
        {
            text.Append("   ");
            for (var c = 0; c < line.Count; c++)
            {
                // Numbers right-aligned, labels and the ratio left-aligned.
                var numeric = c >= numericFrom && c < columns - 1;
                text.Append(numeric ? line[c].PadLeft(widths[c]) : line[c].PadRight(widths[c]));
                if (c < line.Count - 1) text.Append("  ");
            }
            text.AppendLine();
            TrimTrailingSpaces(text);
        }
    }

    private static void TrimTrailingSpaces(StringBuilder text)
    {
        // Keep the table diff-friendly in RESULTS.md: no trailing blanks before the newline.
        var newline = Environment.NewLine.Length;
        var end = text.Length - newline;
        var start = end;
        while (start > 0 && text[start - 1] == ' ') start--;
        if (start < end) text.Remove(start, end - start);
    }
}
