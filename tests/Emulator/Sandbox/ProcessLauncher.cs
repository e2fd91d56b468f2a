using System.Diagnostics;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// Starts sandbox processes the way Lambda does: clean environment, stdin closed, output captured — and, where
/// permitted, inside a private mount namespace whose /etc/hosts maps sandbox.localdomain and sandbox to 127.0.0.1
/// and whose /opt is the sandbox's /opt. Each process joins the sandbox cgroups before it execs.
/// </summary>
internal sealed class ProcessLauncher
{
    private readonly SandboxCgroup _cgroup;
    private readonly string? _hostsFile;
    private readonly string? _optDir;
    private readonly bool _namespace;

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
            log($"no private mount namespace ({why}): sandbox.localdomain will not resolve inside the sandbox unless /etc/hosts maps it; /opt is not remapped");
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
        if (_namespace)
        {
            script += $"mount --bind {Quote(_hostsFile!)} /etc/hosts && ";
            if (OptMountedAtSlashOpt) script += $"mount --bind {Quote(_optDir!)} /opt && ";
        }
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
        if (_namespace)
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
