namespace Pulse.Emulator.Sandbox;

/// <summary>What the client sent to the invoke endpoint.</summary>
public sealed record InvokeRequest(byte[] Payload, string? ClientContext, string? TraceId, string? CognitoIdentity);
