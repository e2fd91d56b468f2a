using Pulse.Benchmarks.Report;

namespace Pulse.Benchmarks.Harness.Figures;

/// <summary>
/// Figure 5: what a user downloads and Lambda maps at every cold start — the AOT binary and the layer
/// zip per architecture (as build.sh wrote them), beside the floor binary and the JIT build (its
/// files alone; it also needs a .NET runtime in the sandbox, which no Lambda OS-only runtime has).
/// </summary>
public sealed class SizeBench(BenchPaths paths)
{
    public Figure Run()
    {
        var figure = new Figure { Id = "size", Title = "Size", Unit = "MB", Columns = ["size"] };
        var absent = new List<string>();
        foreach (var arch in new[] { "x86_64", "arm64" })
        {
            AddFile(figure, absent, "binary", $"{VariantCatalog.PulseAot} {arch}", Path.Combine(paths.Dist, "publish", arch, "pulse"));
            AddFile(figure, absent, "layer zip", $"{VariantCatalog.PulseAot} {arch}", Path.Combine(paths.Dist, $"pulse-{arch}.zip"));
        }
        AddFile(figure, absent, "binary", $"{VariantCatalog.Floor} x86_64", paths.Floor ?? Path.Combine(paths.Dist, "bench", "floor", "floor"));
        var jitDirectory = Path.Combine(paths.Dist, "bench", "pulse-jit");
        if (Directory.Exists(jitDirectory))
        {
            var bytes = Directory.EnumerateFiles(jitDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            figure.Rows.Add(new FigureRow { Measure = "binary", Variant = $"{VariantCatalog.PulseJit} (files, without the runtime)", Samples = 1, Values = new() { ["size"] = bytes / 1e6 } });
        }
        else absent.Add("dist/bench/pulse-jit");
        if (absent.Count > 0) figure.Missing = string.Join(", ", absent);

        foreach (var row in figure.Rows.Where(r => r.Variant != $"{VariantCatalog.PulseAot} x86_64"))
        {
            var reference = figure.Find(row.Measure, $"{VariantCatalog.PulseAot} x86_64")?.Values.GetValueOrDefault("size");
            if (reference is > 0 && row.Values.GetValueOrDefault("size") is { } size)
            {
                row.Ratio = size / reference;
                row.RatioTo = $"{VariantCatalog.PulseAot} x86_64";
            }
        }
        foreach (var arch in new[] { "x86_64", "arm64" })
        {
            figure.Targets.Add(TargetCheck.AtMost($"binary {arch}", 5, figure.Find("binary", $"{VariantCatalog.PulseAot} {arch}")?.Values.GetValueOrDefault("size"), "MB"));
            figure.Targets.Add(TargetCheck.AtMost($"zip {arch}", 2.5, figure.Find("layer zip", $"{VariantCatalog.PulseAot} {arch}")?.Values.GetValueOrDefault("size"), "MB"));
        }
        figure.Notes.Add("MB = 10^6 bytes, as build.sh checks them.");
        return figure;
    }

    private static void AddFile(Figure figure, List<string> absent, string measure, string variant, string path)
    {
        if (!File.Exists(path))
        {
            absent.Add(Path.GetRelativePath(Directory.GetCurrentDirectory(), path));
            return;
        }
        figure.Rows.Add(new FigureRow { Measure = measure, Variant = variant, Samples = 1, Values = new() { ["size"] = new FileInfo(path).Length / 1e6 } });
    }
}
