using Pulse.Config;
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
            .WithStandardOutput(StandardStreams.Output())
            .WithLog(StandardStreams.Error())
            .WithSinks(SinkFactory.CreateAll)
            .Build()
            .Run();
    }
}
