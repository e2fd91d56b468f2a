using System.Diagnostics;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// Starts sandbox processes the way Lambda does: clean environment, stdin closed, output captured — and, where
/// permitted, inside a private mount namespace whose /etc/hosts maps sandbox.localdomain and sandbox to 127.0.0.1
/// and whose /opt is the sandbox's /opt. Each process joins the sandbox cgroups before it execs.
/// The namespace is made once, by a holder process (unshare, two bind mounts, then it waits on its stdin), and
/// every sandbox process enters it with nsenter: making it per process (unshare and two `mount` runs each) cost
/// more than the extension's own start (spawn → exec 20–34 ms against exec → /register 4–10 ms, measured), and
/// that time would count as the function's init duration.
/// </summary>
internal sealed class ProcessLauncher : IDisposable
{
    private readonly SandboxCgroup _cgroup;
    private readonly string? _hostsFile;
    private readonly string? _optDir;
    private readonly bool _namespace;
    private readonly Process? _holder; // owns the shared mount namespace; null: each process makes its own
    private string? _nsenter;

    public ProcessLauncher(SandboxCgroup cgroup, string workDir, string? optDir, bool wantNamespace, Action<string> log)
    {
        _cgroup = cgroup;
        _optDir = optDir;
        if (!wantNamespace) return;
        _hostsFile = Path.Combine(workDir, "hosts");
        var hosts = File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "127.0.0.1\tlocalhost\n";
        if (!hosts.EndsWith('\n')) hosts += "\n";
        File.WriteAllText(_hostsFile, hosts + "127.0.0.1\tsandbox.localdomain sandbox\n");
        _namespace = Probe(out var why);
        if (!_namespace)
        {
            log($"no private mount namespace ({why}): sandbox.localdomain will not resolve inside the sandbox unless /etc/hosts maps it; /opt is not remapped");
            return;
        }
        _holder = StartHolder(out why);
        if (_holder is null) log($"no shared mount namespace ({why}): each sandbox process makes its own (slower start)");
    }

    /// <summary>
    /// The process that keeps the sandbox's mount namespace alive: it mounts, says "ready" and then waits on its
    /// stdin, which the emulator holds open — so it also ends when the emulator dies, however it dies.
    /// </summary>
    private Process? StartHolder(out string why)
    {
        Process? holder = null;
        try
        {
            var psi = new ProcessStartInfo("unshare")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { "--mount", "--propagation", "private", "/bin/sh", "-c", MountScript() + "echo ready && exec cat >/dev/null" })
                psi.ArgumentList.Add(a);
            holder = Process.Start(psi)!;
            var ready = holder.StandardOutput.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
            {
                why = holder.HasExited ? holder.StandardError.ReadToEnd().Trim() : "the holder did not become ready";
                StopHolder(holder);
                return null;
            }
            if (!File.Exists($"/proc/{holder.Id}/ns/mnt")) { why = "no /proc/<pid>/ns/mnt"; StopHolder(holder); return null; }
            // nsenter must exist and take these options (util-linux and busybox do): enter once and look.
            _nsenter = FindOnPath("nsenter");
            if (_nsenter is null) { why = "no nsenter on PATH"; StopHolder(holder); return null; }
            var check = new ProcessStartInfo(_nsenter) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { $"--mount=/proc/{holder.Id}/ns/mnt", "--wd=/tmp", "/bin/sh", "-c", "grep -q sandbox.localdomain /etc/hosts && [ \"$(pwd)\" = /tmp ]" })
                check.ArgumentList.Add(a);
            using (var probe = Process.Start(check)!)
            {
                var error = probe.StandardError.ReadToEndAsync();
                if (!probe.WaitForExit(10_000)) { probe.Kill(); why = "nsenter did not finish"; StopHolder(holder); return null; }
                if (probe.ExitCode != 0) { why = $"nsenter check failed (exit {probe.ExitCode}) {error.Result.Trim()}"; StopHolder(holder); return null; }
            }
            why = "";
            return holder;
        }
        catch (Exception e)
        {
            why = e.Message;
            if (holder is not null) StopHolder(holder);
            return null;
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" })
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    private string MountScript()
    {
        var script = $"mount --bind {Quote(_hostsFile!)} /etc/hosts && ";
        if (OptMountedAtSlashOpt) script += $"mount --bind {Quote(_optDir!)} /opt && ";
        return script;
    }

    private static void StopHolder(Process holder)
    {
        try
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(1000)) holder.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
        }
        holder.Dispose();
    }

    public void Dispose()
    {
        if (_holder is not null) StopHolder(_holder);
    }

    /// <summary>True when the sandbox sees the sandbox's folder at the real path /opt.</summary>
    public bool OptMountedAtSlashOpt => _namespace && _optDir is not null && Directory.Exists("/opt");

    public bool HasNamespace => _namespace;

    private bool Probe(out string why)
    {
        try
        {
            var psi = new ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "--mount", "--propagation", "private", "sh", "-c", $"mount --bind {Quote(_hostsFile!)} /etc/hosts" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(10_000)) { p.Kill(); why = "unshare did not finish"; return false; }
            why = err.Trim().Length > 0 ? err.Trim() : $"unshare exit {p.ExitCode}";
            return p.ExitCode == 0;
        }
        catch (Exception e)
        {
            why = e.Message;
            return false;
        }
    }

    public Process Create(string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var script = _cgroup.JoinScript();
        if (_namespace && _holder is null) script += MountScript();
        script += "exec \"$@\"";
        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        // setsid: each sandbox process leads its own process group, so that the fallbacks (no cgroup) can stop,
        // continue and kill it with its children. setsid(1) does not fork here: our child is not a group leader.
        psi.FileName = "setsid";
        if (_holder is not null)
        {
            // Entering a mount namespace resets the working directory to its root: --wd sets it back.
            foreach (var a in new[] { _nsenter!, $"--mount=/proc/{_holder.Id}/ns/mnt", $"--wd={workingDirectory}", "/bin/sh", "-c", script, "sandbox" })
                psi.ArgumentList.Add(a);
        }
        else if (_namespace)
        {
            foreach (var a in new[] { "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sandbox" }) psi.ArgumentList.Add(a);
        }
        else
        {
            foreach (var a in new[] { "/bin/sh", "-c", script, "sandbox" }) psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add(executable);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new Process { StartInfo = psi };
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
