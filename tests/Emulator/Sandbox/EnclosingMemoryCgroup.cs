using System.Globalization;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// The cgroup v1 memory cgroup the emulator itself runs in, used read-mostly when the emulator cannot create a
/// cgroup of its own (inside a container: non-root, cgroupfs read-only). The sandbox's processes inherit it, so
/// its peak and its OOM kills are the sandbox's (plus the emulator's own small share). It is never joined,
/// frozen, emptied or removed: the emulator lives in it.
/// </summary>
internal sealed class EnclosingMemoryCgroup
{
    /// <summary>memory.limit_in_bytes at or above this means "no limit" (the kernel's unlimited is 2^63 rounded to a page).</summary>
    private const long Unlimited = 1L << 62;

    private long? _baseline;

    public EnclosingMemoryCgroup(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>
    /// Finds the memory cgroup named by /proc/self/cgroup under <paramref name="memoryRoot"/>. With the host's
    /// cgroup namespace (Docker on cgroup v1) the named path (/docker/&lt;id&gt;) does not exist inside the container,
    /// whose own cgroup is mounted at the root itself: the nearest existing ancestor is taken, down to the root.
    /// Only a cgroup with a memory limit qualifies: an unlimited one (a host session slice) is shared with
    /// unrelated processes and would make the peak meaningless.
    /// </summary>
    public static EnclosingMemoryCgroup? Locate(string procSelfCgroup, string memoryRoot)
    {
        string? path = null;
        foreach (var line in procSelfCgroup.Split('\n'))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains("memory")) { path = parts[2].Trim(); break; }
        }
        if (path is null || !path.StartsWith('/')) return null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Contains("..")) return null;
        for (var n = segments.Length; n >= 0; n--)
        {
            var candidate = Path.Combine([memoryRoot, .. segments[..n]]);
            if (!File.Exists(Path.Combine(candidate, "memory.max_usage_in_bytes"))) continue;
            var limit = ReadLong(candidate, "memory.limit_in_bytes");
            return limit is > 0 and < Unlimited ? new EnclosingMemoryCgroup(candidate) : null;
        }
        return null;
    }

    /// <summary>A new sandbox generation starts: resets the peak where permitted, else remembers it as a baseline.</summary>
    public void BeginGeneration()
    {
        try
        {
            File.WriteAllText(Path.Combine(Directory, "memory.max_usage_in_bytes"), "0");
            _baseline = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _baseline = ReadLong(Directory, "memory.max_usage_in_bytes") ?? 0;
        }
    }

    /// <summary>
    /// The peak since the generation began, or null when it is not known: without a reset, a peak that has not
    /// risen above the baseline belongs to an earlier generation, and the caller measures another way.
    /// </summary>
    public long? PeakBytes
    {
        get
        {
            var peak = ReadLong(Directory, "memory.max_usage_in_bytes");
            return _baseline is { } floor && peak <= floor ? null : peak;
        }
    }

    /// <summary>OOM kills so far (memory.oom_control "oom_kill N"); 0 when the kernel does not count them.</summary>
    public long OomKills
    {
        get
        {
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(Directory, "memory.oom_control")))
                {
                    if (line.StartsWith("oom_kill ", StringComparison.Ordinal)
                        && long.TryParse(line.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var kills)) return kills;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            return 0;
        }
    }

    private static long? ReadLong(string dir, string file)
    {
        try { return long.Parse(File.ReadAllText(Path.Combine(dir, file)).Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or OverflowException or UnauthorizedAccessException) { return null; }
    }
}
