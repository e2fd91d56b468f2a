using System.Text.Json.Serialization;

namespace Pulse.TestFunction;

/// <summary>
/// What one invocation does, read from the event JSON. Every field is optional and they combine;
/// the order in which they run is fixed (see <see cref="ScriptRunner"/> and README.md).
/// </summary>
internal sealed class EventScript
{
    [JsonPropertyName("sleepMs")] public int? SleepMs { get; set; }
    [JsonPropertyName("allocateMb")] public int? AllocateMb { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("errorType")] public string? ErrorType { get; set; }
    [JsonPropertyName("throw")] public bool Throw { get; set; }
    [JsonPropertyName("exit")] public int? Exit { get; set; }
    [JsonPropertyName("crash")] public bool Crash { get; set; }
    [JsonPropertyName("timeout")] public bool Timeout { get; set; }
    [JsonPropertyName("responseBytes")] public int? ResponseBytes { get; set; }
    [JsonPropertyName("log")] public string[]? Log { get; set; }
    [JsonPropertyName("stderr")] public string[]? Stderr { get; set; }
    [JsonPropertyName("statsd")] public string[]? Statsd { get; set; }
    [JsonPropertyName("statsdPort")] public int? StatsdPort { get; set; }
    [JsonPropertyName("echo")] public bool Echo { get; set; }
}
