namespace Pulse.Emulator.Sandbox;

/// <summary>What the invoke endpoint answers: the function's bytes, or an error document with X-Amz-Function-Error.</summary>
public sealed record InvokeResponse(byte[] Body, string? FunctionError, string RequestId, string Status, string? ErrorType);
