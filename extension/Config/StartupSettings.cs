namespace Pulse.Config;

/// <summary>
/// The few settings the start-up critical path needs (register, listener, subscribe, first /next).
/// Everything else is read into <see cref="PulseSettings"/> after the first /next has been sent.
/// </summary>
public sealed record StartupSettings(string RuntimeApi, int TelemetryPort, string ExtensionName)
{
    public const int DefaultTelemetryPort = 8999;
    /// <summary>The Runtime API's own port: never ours.</summary>
    public const int ReservedPort = 9001;

    public static StartupSettings Read(EnvironmentReader env, string extensionName)
    {
        var api = env.Raw("AWS_LAMBDA_RUNTIME_API") ?? "127.0.0.1:9001";
        var port = env.Int("PULSE_TELEMETRY_PORT", DefaultTelemetryPort, 1024, 65535);
        if (port == ReservedPort)
        {
            env.Invalid("PULSE_TELEMETRY_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "a port from 1024 to 65535 other than 9001 (the Runtime API's)", DefaultTelemetryPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            port = DefaultTelemetryPort;
        }
        return new StartupSettings(api, port, extensionName);
    }
}
