using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pulse.Config;

/// <summary>
/// stdout and stderr as plain unbuffered descriptors. System.Console would start the runtime's
/// signal-handling thread: one more thread that the sandbox's freezer wakes at every freeze and thaw.
/// A write to a closed pipe is an IOException either way (the runtime ignores SIGPIPE).
/// </summary>
public static class StandardStreams
{
    public static Stream Output() => Descriptor(1);

    /// <summary>stderr as a thread-safe, auto-flushed UTF-8 writer (no BOM): one log line per write.</summary>
    public static TextWriter Error() => TextWriter.Synchronized(new StreamWriter(Descriptor(2), new UTF8Encoding(false)) { AutoFlush = true });

    private static FileStream Descriptor(int fd) => new(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
}
