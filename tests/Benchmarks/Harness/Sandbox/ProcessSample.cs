using System.Globalization;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>What /proc says about one process at one instant: memory and CPU time.</summary>
public sealed record ProcessSample(double RssMb, double PeakRssMb, double CpuMs, int Threads)
{
    /// <summary>
    /// Reads /proc/&lt;pid&gt;/status (VmRSS, VmHWM, Threads) and /proc/&lt;pid&gt;/stat (utime + stime,
    /// in clock ticks of 1/100 s). Null when the process is gone. A stopped (frozen) process is fine.
    /// </summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            double rssKb = 0, hwmKb = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rssKb = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwmKb = Kilobytes(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Kilobytes(line);
            }
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the name, field index 0 is "state" (field 3 of proc(5)); utime is field 14, stime 15.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessSample(rssKb / 1024.0, hwmKb / 1024.0, ticks * 1000.0 / ClockTicksPerSecond, threads);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>USER_HZ: 100 on every Linux build Lambda or this project runs on.</summary>
    public const double ClockTicksPerSecond = 100.0;

    private static double Kilobytes(string line)
    {
        var value = line[(line.IndexOf(':') + 1)..].Trim().Split(' ')[0];
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
