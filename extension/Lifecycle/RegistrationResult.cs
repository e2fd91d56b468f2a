namespace Pulse.Lifecycle;

/// <summary>What /register answered: the identifier for every later call, and the function facts.</summary>
public sealed record RegistrationResult(string ExtensionId, string? FunctionName, string? FunctionVersion, string? AccountId);
