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
        Console.Error.WriteLine("pulse: the extension core is not built yet");
        return 1;
    }
}
