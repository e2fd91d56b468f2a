namespace Pulse.Emulator.Telemetry;

/// <summary>A validated Telemetry API or Logs API subscription.</summary>
public sealed record SubscriptionRequest(
    bool Legacy,
    string SchemaVersion,
    IReadOnlyList<string> Types,
    int MaxItems,
    int MaxBytes,
    int TimeoutMs,
    string Protocol,
    Uri? DeliveryUri,
    int Port,
    string DestinationText,
    string? HostHeader);
