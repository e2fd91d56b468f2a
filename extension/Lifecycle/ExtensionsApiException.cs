namespace Pulse.Lifecycle;

/// <summary>The Extensions API answered with an error status, or something that is not its protocol.</summary>
public sealed class ExtensionsApiException(string message, int statusCode = 0) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
