using Pulse.Config;

namespace Pulse.Sinks;

/// <summary>
/// What a sink needs to be built: the settings, the environment reader for its own PULSE_* variables
/// (so a bad value is reported like every other setting), the log, and stdout for local sinks.
/// </summary>
public sealed record SinkContext(PulseSettings Settings, EnvironmentReader Environment, PulseLog Log, Stream StandardOutput);
