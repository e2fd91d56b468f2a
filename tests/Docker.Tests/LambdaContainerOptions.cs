namespace Pulse.Docker.Tests;

/// <summary>The function configuration a test container runs with.</summary>
public sealed record LambdaContainerOptions
{
    /// <summary>The function's memory size; also the container's memory limit (swap included), as in Lambda.</summary>
    public int MemoryMb { get; init; } = 128;

    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>Customer environment variables passed to the function and the extensions.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public LayerArchitecture Architecture { get; init; } = LayerArchitecture.X86_64;
}
