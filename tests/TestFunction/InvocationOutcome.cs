namespace Pulse.TestFunction;

/// <summary>How an invocation ends from the runtime's side: a response body, or a function error.</summary>
internal sealed record InvocationOutcome(byte[]? Response, string? ErrorType, RuntimeErrorBody? Error)
{
    public static InvocationOutcome Success(byte[] response) => new(response, null, null);

    public static InvocationOutcome Failure(string errorType, RuntimeErrorBody error) => new(null, errorType, error);
}
