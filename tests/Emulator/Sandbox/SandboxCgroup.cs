using System.Globalization;
using Pulse.Emulator.Native;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// One cgroup (v1) per emulator instance under the freezer and memory controllers: freezes the whole sandbox,
/// measures its peak memory, enforces the memory size and reports OOM kills. Either controller may be missing;
/// callers check <see cref="CanFreeze"/> and <see cref="CanMeasure"/>.
/// </summary>
internal sealed class SandboxCgroup : IDisposable
{
    private const string Root = "/sys/fs/cgroup";
    private readonly string? _freezer;
    private readonly string? _memory;
    private readonly EnclosingMemoryCgroup? _enclosing;

    private SandboxCgroup(string? freezer, string? memory, EnclosingMemoryCgroup? enclosing = null)
    {
        _freezer = freezer;
        _memory = memory;
        _enclosing = enclosing;
    }

    /// <summary>No controllers: every operation falls back or does nothing.</summary>
    public static SandboxCgroup None { get; } = new(null, null);

    public bool CanFreeze => _freezer is not null;
    public bool CanMeasure => _memory is not null || _enclosing is not null;

    /// <summary>
    /// Memory is measured in the cgroup the emulator runs in (it could not create its own): its OOM counter also
    /// counts kills of other processes there, so only a runtime that died by SIGKILL is classed as out of memory.
    /// </summary>
    public bool MeasuresEnclosingCgroup => _enclosing is not null;

    /// <summary>Prefix of every cgroup the emulator creates; the owner's pid follows it.</summary>
    public const string NamePrefix = "lambda-emulator-";

    public static SandboxCgroup Create(string name, long? memoryLimitBytes, Action<string> log)
    {
        SweepOrphans(log);
        var freezer = TryCreate(Path.Combine(Root, "freezer", name), log);
        var memory = TryCreate(Path.Combine(Root, "memory", name), log);
        EnclosingMemoryCgroup? enclosing = null;
        if (memory is null)
        {
            try { enclosing = EnclosingMemoryCgroup.Locate(File.ReadAllText("/proc/self/cgroup"), Path.Combine(Root, "memory")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log($"cannot read /proc/self/cgroup ({e.Message})"); }
            if (enclosing is not null)
            {
                log($"measuring memory and OOM kills in the emulator's own memory cgroup {enclosing.Directory} (shared with the emulator)");
                if (memoryLimitBytes is not null) log("--memory-cap cannot be enforced in a shared cgroup: the enclosing cgroup's own limit applies");
            }
        }
        if (memory is not null && memoryLimitBytes is { } limit)
        {
            try
            {
                File.WriteAllText(Path.Combine(memory, "memory.limit_in_bytes"), limit.ToString(CultureInfo.InvariantCulture));
                // Without a swap limit the kernel would page the sandbox out instead of OOM-killing it, as Lambda does.
                var memsw = Path.Combine(memory, "memory.memsw.limit_in_bytes");
                if (File.Exists(memsw)) File.WriteAllText(memsw, limit.ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception e) { log($"cannot set the memory limit ({e.Message}); memory is measured but not capped"); }
        }
        return new SandboxCgroup(freezer, memory, enclosing);
    }

    /// <summary>
    /// An emulator killed with SIGKILL leaves its cgroups behind, possibly with frozen processes in them: thaw,
    /// kill and remove the cgroups whose owning process is gone.
    /// </summary>
    private static void SweepOrphans(Action<string> log)
    {
        foreach (var controller in new[] { "freezer", "memory" })
        {
            var root = Path.Combine(Root, controller);
            if (!Directory.Exists(root)) continue;
            string[] dirs;
            try { dirs = Directory.GetDirectories(root, NamePrefix + "*"); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            foreach (var dir in dirs)
            {
                var rest = Path.GetFileName(dir)[NamePrefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || Directory.Exists($"/proc/{owner}")) continue;
                var orphan = controller == "freezer" ? new SandboxCgroup(dir, null) : new SandboxCgroup(null, dir);
                orphan.Dispose();
                log($"removed the cgroup {dir} left by a dead emulator (pid {owner})");
            }
        }
    }

    private static string? TryCreate(string path, Action<string> log)
    {
        try
        {
            if (!Directory.Exists(Path.GetDirectoryName(path))) { log($"no cgroup controller at {Path.GetDirectoryName(path)}"); return null; }
            Directory.CreateDirectory(path);
            return path;
        }
        catch (Exception e)
        {
            log($"cannot create cgroup {path} ({e.Message})");
            return null;
        }
    }

    /// <summary>Shell commands that move the shell itself into the cgroups before it execs the sandbox process.</summary>
    public string JoinScript()
    {
        var script = "";
        if (_freezer is not null) script += $"echo $$ > '{_freezer}/cgroup.procs' && ";
        if (_memory is not null) script += $"echo $$ > '{_memory}/cgroup.procs' && ";
        return script;
    }

    public bool Freeze() => SetFreezerState("FROZEN");

    public bool Thaw() => SetFreezerState("THAWED");

    private bool SetFreezerState(string state)
    {
        if (_freezer is null) return false;
        var file = Path.Combine(_freezer, "freezer.state");
        try
        {
            File.WriteAllText(file, state);
            // FREEZING is transient: wait (bounded) until the kernel has stopped every task.
            for (var i = 0; i < 200; i++)
            {
                if (File.ReadAllText(file).Trim() == state) return true;
                Thread.Sleep(1);
                File.WriteAllText(file, state);
            }
        }
        catch (IOException) { }
        return false;
    }

    public long? MaxUsageBytes => _enclosing is not null ? _enclosing.PeakBytes : ReadLong(_memory, "memory.max_usage_in_bytes");

    public void ResetMaxUsage()
    {
        _enclosing?.BeginGeneration();
        if (_memory is null) return;
        try { File.WriteAllText(Path.Combine(_memory, "memory.max_usage_in_bytes"), "0"); } catch (IOException) { }
    }

    /// <summary>OOM kills so far (memory.oom_control "oom_kill N"), or failcnt when the kernel has no such line.</summary>
    public long OomKills
    {
        get
        {
            if (_enclosing is not null) return _enclosing.OomKills;
            if (_memory is null) return 0;
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(_memory, "memory.oom_control")))
                {
                    if (line.StartsWith("oom_kill ", StringComparison.Ordinal)) return long.Parse(line[9..], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException) { }
            return ReadLong(_memory, "memory.failcnt") ?? 0;
        }
    }

    public IReadOnlyList<int> Pids()
    {
        var dir = _freezer ?? _memory;
        if (dir is null) return Array.Empty<int>();
        try
        {
            return File.ReadAllLines(Path.Combine(dir, "cgroup.procs"))
                .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
                .Where(p => p > 0).ToList();
        }
        catch (IOException) { return Array.Empty<int>(); }
    }

    /// <summary>SIGKILLs every process of the sandbox (thawed first: a frozen task dies only when it runs).</summary>
    public void KillAll()
    {
        Thaw();
        for (var round = 0; round < 100; round++)
        {
            var pids = Pids();
            if (pids.Count == 0) return;
            foreach (var pid in pids) Posix.Signal(pid, Posix.SIGKILL);
            Thread.Sleep(10);
        }
    }

    private static long? ReadLong(string? dir, string file)
    {
        if (dir is null) return null;
        try { return long.Parse(File.ReadAllText(Path.Combine(dir, file)).Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException) { return null; }
    }

    public void Dispose()
    {
        KillAll();
        foreach (var dir in new[] { _freezer, _memory })
        {
            if (dir is null) continue;
            for (var i = 0; i < 50; i++)
            {
                try { Directory.Delete(dir); break; }
                catch (IOException) { Thread.Sleep(20); }
                catch (UnauthorizedAccessException) { break; }
            }
        }
    }
}
