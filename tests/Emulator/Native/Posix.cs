using System.Runtime.InteropServices;

namespace Pulse.Emulator.Native;

/// <summary>The few libc calls the supervisor needs (signals by pid); blittable, so AOT-safe without marshalling code.</summary>
internal static partial class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>Sends a signal; false when the process is gone (ESRCH) or not ours.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && KillNative(pid, signal) == 0;

    /// <summary>Signals every process of the group <paramref name="pgid"/>.</summary>
    public static bool SignalGroup(int pgid, int signal) => pgid > 0 && KillNative(-pgid, signal) == 0;
}
