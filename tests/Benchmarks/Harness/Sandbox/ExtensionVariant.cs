namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// One thing put in the sandbox's /opt/extensions for a measurement: nothing at all (the "none"
/// baseline), the floor extension, Pulse AOT or Pulse JIT, with the environment it runs with
/// (PULSE_FLUSH, PULSE_SINKS, a receiver's endpoint ...).
/// </summary>
public sealed record ExtensionVariant
{
    /// <summary>Short id used in the table and the JSON: none, floor, pulse-aot, pulse-jit, pulse-aot end ...</summary>
    public required string Id { get; init; }
    /// <summary>File name in /opt/extensions, which Lambda uses as the extension's name; null for "none".</summary>
    public string? ExtensionName { get; init; }
    /// <summary>The executable to run (a binary or a wrapper script); null for "none".</summary>
    public string? Executable { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public bool HasExtension => ExtensionName is not null;

    public ExtensionVariant With(string id, params (string Key, string Value)[] environment)
    {
        var merged = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in environment) merged[key] = value;
        return this with { Id = id, Environment = merged };
    }

    public static ExtensionVariant None { get; } = new() { Id = "none" };
}
