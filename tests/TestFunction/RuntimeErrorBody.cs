using System.Text.Json.Serialization;

namespace Pulse.TestFunction;

/// <summary>The body a runtime posts to /error and /init/error (the shape Lambda documents).</summary>
internal sealed record RuntimeErrorBody(
    [property: JsonPropertyName("errorMessage")] string ErrorMessage,
    [property: JsonPropertyName("errorType")] string ErrorType,
    [property: JsonPropertyName("stackTrace")] string[] StackTrace);
