using System.Runtime.InteropServices;

namespace Pulse.Benchmarks.Report;

/// <summary>The machine a run was measured on, so a table is never read without its context.</summary>
public sealed record MachineInfo(string Cpu, int Cores, double MemoryGb, string Os, string Kernel, string DotNet)
{
    public static MachineInfo Current() => new(
        Cpu: ReadField("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores: Environment.ProcessorCount,
        MemoryGb: Math.Round(ParseKb(ReadField("/proc/meminfo", "MemTotal", ':')) / 1024.0 / 1024.0, 1),
        Os: ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription,
        Kernel: ReadFirstLine("/proc/sys/kernel/osrelease") ?? "unknown",
        DotNet: RuntimeInformation.FrameworkDescription);

    public override string ToString() =>
        $"{Cpu}, {Cores} cores, {MemoryGb:0.#} GB, {Os}, Linux {Kernel}, {DotNet}";

    private static string? ReadField(string path, string key, char separator)
    {
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            var at = line.IndexOf(separator);
            if (at > 0 && line[..at].Trim() == key) return line[(at + 1)..].Trim();
        }
        return null;
    }

    private static string? ReadFirstLine(string path) => File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    private static double ParseKb(string? value) =>
        value is not null && double.TryParse(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out var kb) ? kb : 0;
}
