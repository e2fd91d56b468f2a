using System.Globalization;
using System.Runtime.InteropServices;

namespace Pulse.Lifecycle;

/// <summary>
/// When this process was exec'd, from /proc/self/stat (field 22, in clock ticks since boot) against
/// CLOCK_BOOTTIME; used for the ready-time self-metric (exec → first /next). The kernel reports the start
/// in ticks of 1/100 s, so the figure has a 10 ms resolution.
/// </summary>
public static partial class ProcessClock
{
    private const int ClockBootTime = 7;
    private const double TicksPerSecond = 100; // USER_HZ: fixed at 100 on Linux for /proc

    /// <summary>Milliseconds since this process started, or null when /proc is not readable.</summary>
    public static double? MillisecondsSinceStart()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var close = stat.LastIndexOf(')');
            if (close < 0) return null;
            var fields = stat[(close + 2)..].Split(' ');
            // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
            if (fields.Length < 20 || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var startTicks)) return null;
            if (clock_gettime(ClockBootTime, out var now) != 0) return null;
            var nowSeconds = now.Seconds + now.Nanoseconds / 1e9;
            return Math.Max(0, (nowSeconds - startTicks / TicksPerSecond) * 1000);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The wall-clock time this process started, or now when unknown.</summary>
    public static DateTimeOffset StartTime()
    {
        var since = MillisecondsSinceStart();
        return DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(since ?? 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);
}
