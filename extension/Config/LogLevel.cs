namespace Pulse.Config;

/// <summary>Verbosity of Pulse's own log lines (PULSE_LOG_LEVEL); a lower value is more severe.</summary>
public enum LogLevel
{
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}
