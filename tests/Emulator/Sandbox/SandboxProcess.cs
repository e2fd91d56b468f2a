using System.Diagnostics;
using Pulse.Emulator.Native;
using Pulse.Emulator.Recording;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// One process of the sandbox (the runtime or an external extension): its output is split into lines for the
/// log pass-through and telemetry; its exit is observed once and reported with a Go-style description
/// ("exit status 1", "signal: killed"), as RAPID words it.
/// </summary>
internal sealed class SandboxProcess
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SandboxProcess(string name, bool isRuntime, Process process)
    {
        Name = name;
        IsRuntime = isRuntime;
        _process = process;
        StartedAt = Monotonic.NowMs;
    }

    public string Name { get; }
    public bool IsRuntime { get; }
    public int Pid { get; private set; }
    public double StartedAt { get; }
    public Task<int> Exited => _exited.Task;
    public bool HasExited => _exited.Task.IsCompleted;

    public void Start(Action<SandboxProcess, string> onLine, Action<SandboxProcess, int> onExit)
    {
        _process.EnableRaisingEvents = true;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(this, e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(this, e.Data); };
        _process.Exited += (_, _) =>
        {
            int code;
            try { code = _process.ExitCode; } catch (InvalidOperationException) { code = -1; }
            if (_exited.TrySetResult(code)) onExit(this, code);
        };
        _process.Start();
        Pid = _process.Id;
        try { _process.StandardInput.Close(); } catch (IOException) { }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool Signal(int signal) => !HasExited && Posix.Signal(Pid, signal);

    /// <summary>Signals the process group the process leads (it and its children), even after the leader exited.</summary>
    public bool SignalGroup(int signal) => Posix.SignalGroup(Pid, signal);

    /// <summary>The exit code .NET reports for a process killed by SIGKILL (128 + 9).</summary>
    public const int KilledBySigkill = 128 + 9;

    /// <summary>.NET reports a death by signal N as exit code 128+N; RAPID prints it the way Go does.</summary>
    public static string DescribeExit(int code) => code switch
    {
        > 128 and < 160 => "signal: " + SignalName(code - 128),
        _ => "exit status " + code,
    };

    private static string SignalName(int signal) => signal switch
    {
        1 => "hangup", 2 => "interrupt", 3 => "quit", 4 => "illegal instruction", 6 => "aborted", 7 => "bus error",
        8 => "floating point exception", 9 => "killed", 11 => "segmentation fault", 13 => "broken pipe", 15 => "terminated",
        _ => "signal " + signal,
    };
}
