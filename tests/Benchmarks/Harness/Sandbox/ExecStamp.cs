using System.Globalization;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// One line written by the exec-stamp launcher: the pid of the extension and the instant, on
/// CLOCK_MONOTONIC (the clock of the emulator's record "t", in ms), just before it was exec'd.
/// </summary>
public sealed record ExecStamp(int Pid, double MonotonicMs, DateTimeOffset Wall)
{
    public static IReadOnlyList<ExecStamp> ReadAll(string path)
    {
        if (!File.Exists(path)) return [];
        var stamps = new List<ExecStamp>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var monotonicNs)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var realtimeNs))
            {
                continue; // a torn line from a killed launcher: skip it, the run reports fewer samples
            }
            stamps.Add(new ExecStamp(pid, monotonicNs / 1e6, DateTimeOffset.FromUnixTimeMilliseconds(realtimeNs / 1_000_000)));
        }
        return stamps;
    }
}
