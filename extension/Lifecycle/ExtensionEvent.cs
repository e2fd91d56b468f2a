namespace Pulse.Lifecycle;

/// <summary>An event returned by /extension/event/next.</summary>
public abstract record ExtensionEvent;

/// <summary>INVOKE: an invocation started; DeadlineMs is its timeout instant (ms epoch).</summary>
public sealed record InvokeEvent(string RequestId, long DeadlineMs, string? InvokedFunctionArn, string? TraceId) : ExtensionEvent;

/// <summary>SHUTDOWN: the sandbox is going away; Reason is lowercase (spindown, timeout, failure); DeadlineMs ends the window.</summary>
public sealed record ShutdownEvent(string Reason, long DeadlineMs) : ExtensionEvent;
