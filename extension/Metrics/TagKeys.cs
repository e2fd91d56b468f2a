namespace Pulse.Metrics;

/// <summary>
/// The wire names of the tags in <see cref="MetricTags"/>, shared by every sink so a tag has one name
/// everywhere. None of them equals a metric name of <see cref="MetricCatalog"/> (the memory size tag is
/// memory_size, the metric memorysize), so a tag never shadows a metric in a flat format like EMF.
/// </summary>
public static class TagKeys
{
    public const string FunctionName = "function_name";
    public const string Region = "region";
    public const string AccountId = "account_id";
    public const string MemorySize = "memory_size";
    public const string ExecutedVersion = "executed_version";
    public const string Architecture = "architecture";
    public const string Runtime = "runtime";
    public const string ColdStart = "cold_start";
    public const string InitType = "init_type";
    public const string Resource = "resource";
    /// <summary>Not a tag: the request id property of a point group (EMF writes it as a plain property).</summary>
    public const string RequestId = "requestId";

    public static IReadOnlyList<string> All { get; } =
        [FunctionName, Region, AccountId, MemorySize, ExecutedVersion, Architecture, Runtime, ColdStart, InitType, Resource];

    /// <summary>The value of a standard tag by its key; null for an unknown key or an absent value (cold_start outside an invocation).</summary>
    public static string? ValueOf(MetricTags tags, string key) => key switch
    {
        FunctionName => tags.FunctionName,
        Region => tags.Region,
        AccountId => tags.AccountId,
        MemorySize => tags.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ExecutedVersion => tags.ExecutedVersion,
        Architecture => tags.Architecture,
        Runtime => tags.Runtime,
        ColdStart => tags.ColdStart is { } cold ? (cold ? "true" : "false") : null,
        InitType => tags.InitType,
        Resource => tags.Resource,
        _ => null,
    };
}
