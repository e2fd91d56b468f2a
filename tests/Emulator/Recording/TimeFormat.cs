using System.Globalization;

namespace Pulse.Emulator.Recording;

/// <summary>The platform's timestamp format: ISO-8601 UTC with milliseconds (RAPID's 2006-01-02T15:04:05.000Z).</summary>
public static class TimeFormat
{
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static long EpochMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();
}
