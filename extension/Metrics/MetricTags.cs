namespace Pulse.Metrics;

/// <summary>
/// The tags of a point. Invocation-level values (cold start, version) come from the invocation; the
/// rest from the sandbox. Shared by every point of one invocation, so it is built once per invocation.
/// Extra holds custom tags (DogStatsD tags, PULSE_TAGS) as key/value pairs.
/// </summary>
public sealed record MetricTags
{
    public required string FunctionName { get; init; }
    public required string Region { get; init; }
    public string AccountId { get; init; } = "none";
    public int MemorySizeMb { get; init; }
    public string ExecutedVersion { get; init; } = "$LATEST";
    public string Architecture { get; init; } = "x86_64";
    public string Runtime { get; init; } = "unknown";
    public bool? ColdStart { get; init; }
    public string InitType { get; init; } = "on-demand";
    /// <summary>Function name, or name:version when the version is not $LATEST (Datadog's "resource").</summary>
    public string Resource => ExecutedVersion == "$LATEST" ? FunctionName : $"{FunctionName}:{ExecutedVersion}";
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];
}
