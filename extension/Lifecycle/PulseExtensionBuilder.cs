using Pulse.Flushing;
using Pulse.Sinks;

namespace Pulse.Lifecycle;

/// <summary>Builder-shaped set-up: Program.cs reads as the list of what is plugged in.</summary>
public sealed class PulseExtensionBuilder
{
    private PulseOptions _options = new();

    public PulseExtensionBuilder WithExtensionName(string name)
    {
        _options = _options with { ExtensionName = name };
        return this;
    }

    public PulseExtensionBuilder WithEnvironment(Func<string, string?> environment)
    {
        _options = _options with { Environment = environment };
        return this;
    }

    public PulseExtensionBuilder WithLog(TextWriter log)
    {
        _options = _options with { Log = log };
        return this;
    }

    public PulseExtensionBuilder WithStandardOutput(Stream stdout)
    {
        _options = _options with { StandardOutput = stdout };
        return this;
    }

    public PulseExtensionBuilder WithSinks(Func<SinkContext, IReadOnlyList<ISinkDelivery>> sinkBuilder)
    {
        _options = _options with { SinkBuilder = sinkBuilder };
        return this;
    }

    public PulseExtensionBuilder WithExit(Action<int> exit)
    {
        _options = _options with { Exit = exit };
        return this;
    }

    public PulseExtensionBuilder WithHostsFile(string path)
    {
        _options = _options with { HostsFile = path };
        return this;
    }

    public PulseExtension Build() => new(_options);
}
