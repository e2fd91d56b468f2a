using System.Text;
using Microsoft.Win32.SafeHandles;
using Pulse.Lifecycle;
using Pulse.Sinks;

namespace Pulse;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "--version" or "-v")
        {
            Console.Out.WriteLine($"pulse {BuildInfo.Version}");
            return 0;
        }
        // Lambda matches the registered name against the file it launched from /opt/extensions.
        var launchedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        return PulseExtension.CreateBuilder()
            .WithExtensionName(string.IsNullOrEmpty(launchedAs) ? "pulse" : launchedAs)
            .WithStandardOutput(Descriptor(1))
            .WithLog(TextWriter.Synchronized(new StreamWriter(Descriptor(2), new UTF8Encoding(false)) { AutoFlush = true }))
            .WithSinks(SinkFactory.CreateAll)
            .Build()
            .Run();
    }

    /// <summary>
    /// stdout or stderr as a plain unbuffered stream. System.Console would start the runtime's signal-handling
    /// thread, one more thread that the sandbox's freezer wakes at every freeze and thaw; a write to a closed
    /// pipe is an IOException either way (the runtime ignores SIGPIPE).
    /// </summary>
    private static FileStream Descriptor(int fd) => new(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
}
