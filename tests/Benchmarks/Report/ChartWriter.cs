using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pulse.Benchmarks.Report;

/// <summary>
/// One PNG per figure, drawn by gnuplot: grouped bars (one group per measure/variant, one bar per
/// column) or, when the figure carries line series, a line chart. Without gnuplot the figures
/// are still in the table and the JSON, and the chart is reported as not drawn.
/// </summary>
public sealed class ChartWriter(string outputDirectory)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string? FindGnuplot()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, "gnuplot");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Draws the chart of one figure; returns the reason when it could not.</summary>
    public string? Draw(Figure figure, string gnuplot)
    {
        var dataDirectory = Path.Combine(outputDirectory, "chart-data");
        Directory.CreateDirectory(dataDirectory);
        var png = $"{figure.Id}.png";
        var script = figure.Lines.Count > 0
            ? LineChart(figure, dataDirectory, png)
            : BarChart(figure, dataDirectory, png);
        if (script is null) return "nothing to draw";
        var scriptPath = Path.Combine(dataDirectory, $"{figure.Id}.gp");
        File.WriteAllText(scriptPath, script);

        using var process = Process.Start(new ProcessStartInfo(gnuplot, [scriptPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = outputDirectory,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return "gnuplot did not finish in 60 s";
        }
        if (process.ExitCode != 0 || !File.Exists(Path.Combine(outputDirectory, png)))
        {
            return $"gnuplot failed ({process.ExitCode}): {errors.Result.Trim()}";
        }
        figure.Chart = png;
        return null;
    }

    private string? BarChart(Figure figure, string dataDirectory, string png)
    {
        var rows = figure.Rows.Where(r => figure.Columns.Any(c => r.Values.GetValueOrDefault(c) is not null)).ToList();
        if (rows.Count == 0) return null;
        var data = new StringBuilder();
        foreach (var row in rows)
        {
            data.Append('"').Append(Escape($"{row.Measure} / {row.Variant}")).Append('"');
            foreach (var column in figure.Columns)
            {
                var value = row.Values.GetValueOrDefault(column);
                data.Append('\t').Append(value is { } v && double.IsFinite(v) ? v.ToString("R", Invariant) : "NaN");
            }
            data.AppendLine();
        }
        var dataPath = Path.Combine(dataDirectory, $"{figure.Id}.dat");
        File.WriteAllText(dataPath, data.ToString());

        var height = Math.Max(420, 140 + 26 * rows.Count);
        var script = new StringBuilder();
        script.AppendLine($"set terminal pngcairo size 1100,{height} noenhanced font 'sans,10'");
        script.AppendLine($"set output '{Escape(Path.Combine(outputDirectory, png))}'");
        script.AppendLine($"set title '{Escape(figure.Title)} ({Escape(figure.Unit)})'");
        script.AppendLine("set style data histograms");
        script.AppendLine("set style histogram clustered gap 1");
        script.AppendLine("set style fill solid 0.85 border -1");
        script.AppendLine("set boxwidth 0.9");
        script.AppendLine("set key outside right top vertical");
        script.AppendLine("set grid ytics");
        // Baselines can be 50× Pulse (JIT cold start): a log scale keeps the small bars readable,
        // when every value is positive (log cannot show a zero).
        var values = rows.SelectMany(r => figure.Columns.Select(c => r.Values.GetValueOrDefault(c))).OfType<double>().Where(double.IsFinite).ToList();
        var logarithmic = values.Count > 0 && values.All(v => v > 0) && values.Max() / values.Min() > 30;
        if (logarithmic) script.AppendLine("set logscale y");
        else script.AppendLine("set yrange [0:*]");
        script.AppendLine($"set ylabel '{Escape(figure.Unit)}{(logarithmic ? " (log scale)" : "")}'");
        script.AppendLine("set xtics rotate by -35 left");
        script.AppendLine("set bmargin 12");
        script.AppendLine("set datafile missing 'NaN'");
        var plots = figure.Columns.Select((column, index) =>
            index == 0
                ? $"'{Escape(dataPath)}' using {index + 2}:xtic(1) title '{Escape(column)}'"
                : $"'' using {index + 2} title '{Escape(column)}'");
        script.AppendLine("plot " + string.Join(", ", plots));
        return script.ToString();
    }

    private string LineChart(Figure figure, string dataDirectory, string png)
    {
        var script = new StringBuilder();
        script.AppendLine("set terminal pngcairo size 1100,500 noenhanced font 'sans,10'");
        script.AppendLine($"set output '{Escape(Path.Combine(outputDirectory, png))}'");
        script.AppendLine($"set title '{Escape(figure.Title)}'");
        script.AppendLine($"set xlabel '{Escape(figure.Lines[0].XLabel)}'");
        script.AppendLine($"set ylabel '{Escape(figure.Lines[0].YLabel)}'");
        script.AppendLine("set grid");
        script.AppendLine("set key top left");
        script.AppendLine("set yrange [0:*]");
        var plots = new List<string>();
        for (var i = 0; i < figure.Lines.Count; i++)
        {
            var series = figure.Lines[i];
            var dataPath = Path.Combine(dataDirectory, $"{figure.Id}-{i}.dat");
            File.WriteAllLines(dataPath, series.Points.Select(p => string.Join('\t', p.Select(v => v.ToString("R", Invariant)))));
            plots.Add($"'{Escape(dataPath)}' using 1:2 with linespoints title '{Escape(series.Name)}'");
        }
        script.AppendLine("plot " + string.Join(", ", plots));
        return script.ToString();
    }

    private static string Escape(string text) => text.Replace("'", "''");
}
