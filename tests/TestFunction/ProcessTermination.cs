using System.Runtime.InteropServices;

namespace Pulse.TestFunction;

/// <summary>Ways for the runtime process to die mid-invoke, as a crashing native runtime would.</summary>
internal static partial class ProcessTermination
{
    private const int SigSegv = 11;

    public static void Exit(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(code);
    }

    /// <summary>Raises SIGSEGV with the default action restored, so the process dies of the signal (exit status 139).</summary>
    public static void Crash()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        // The .NET runtime handles SIGSEGV to turn faults into exceptions; restore the default action first.
        _ = signal(SigSegv, 0);
        _ = kill(getpid(), SigSegv);
        // Only reached if the signal could not be delivered.
        Environment.FailFast("test-function: scripted crash");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint signal(int signum, nint handler);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial int getpid();
}
