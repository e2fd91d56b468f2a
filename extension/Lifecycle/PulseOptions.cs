using Pulse.Flushing;
using Pulse.Sinks;

namespace Pulse.Lifecycle;

/// <summary>Everything <see cref="PulseExtension"/> takes from outside; tests replace any of it.</summary>
public sealed record PulseOptions
{
    /// <summary>The Lambda-Extension-Name: the file name Lambda launched (it must match /opt/extensions/&lt;name&gt;).</summary>
    public string ExtensionName { get; init; } = "pulse";
    public Func<string, string?> Environment { get; init; } = Config.EnvironmentReader.ProcessEnvironment;
    public TextWriter Log { get; init; } = Config.StandardStreams.Error();
    /// <summary>Where EMF lines go.</summary>
    public Stream StandardOutput { get; init; } = Stream.Null;
    public Func<SinkContext, IReadOnlyList<ISinkDelivery>> SinkBuilder { get; init; } = SinkFactory.CreateAll;
    /// <summary>Called by the SHUTDOWN watchdog when the final flush outlives its budget (the process exits).</summary>
    public Action<int> Exit { get; init; } = System.Environment.Exit;
    public string HostsFile { get; init; } = "/etc/hosts";
    /// <summary>Upper bound of the whole SHUTDOWN sequence, whatever the platform's deadline (target ≤ 1,500 ms of 2,000).</summary>
    public TimeSpan ShutdownBudget { get; init; } = TimeSpan.FromMilliseconds(1500);
}
