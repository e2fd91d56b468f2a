namespace Pulse.Telemetry;

/// <summary>
/// The messages the managed runtimes print when a function runs out of memory (spec §7.2). They hold no
/// character JSON escapes, so they are searched in the raw (still escaped) bytes of a log record.
/// </summary>
internal static class OutOfMemoryPatterns
{
    private static readonly byte[][] Patterns =
    [
        "fatal error: runtime: out of memory"u8.ToArray(),          // Go
        "java.lang.OutOfMemoryError"u8.ToArray(),                   // Java
        "JavaScript heap out of memory"u8.ToArray(),                // Node.js
        "Runtime exited with error: signal: killed"u8.ToArray(),    // Node.js (killed by the kernel)
        "MemoryError"u8.ToArray(),                                  // Python
        "failed to allocate memory (NoMemoryError)"u8.ToArray(),    // Ruby
        "OutOfMemoryException"u8.ToArray(),                         // .NET
    ];

    public static bool Matches(ReadOnlySpan<byte> text)
    {
        // Cheap pre-check: every pattern contains "emory" or "killed".
        if (text.IndexOf("emory"u8) < 0 && text.IndexOf("killed"u8) < 0) return false;
        foreach (var pattern in Patterns)
        {
            if (text.IndexOf(pattern) >= 0) return true;
        }
        return false;
    }

    /// <summary>The first request id (a UUID: 8-4-4-4-12 hex digits) in the text, or null.</summary>
    public static string? FindRequestId(ReadOnlySpan<byte> text)
    {
        for (var i = 0; i + 36 <= text.Length; i++)
        {
            if (IsUuid(text.Slice(i, 36)) && (i == 0 || !IsHex(text[i - 1])) && (i + 36 == text.Length || !IsHex(text[i + 36])))
                return System.Text.Encoding.ASCII.GetString(text.Slice(i, 36));
        }
        return null;
    }

    private static bool IsUuid(ReadOnlySpan<byte> s)
    {
        for (var i = 0; i < 36; i++)
        {
            var dash = i is 8 or 13 or 18 or 23;
            if (dash ? s[i] != (byte)'-' : !IsHex(s[i])) return false;
        }
        return true;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
}
