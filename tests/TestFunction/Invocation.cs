namespace Pulse.TestFunction;

/// <summary>One event handed out by GET /runtime/invocation/next.</summary>
internal sealed record Invocation(string RequestId, long? DeadlineUnixMs, string? FunctionArn, byte[] Payload);
