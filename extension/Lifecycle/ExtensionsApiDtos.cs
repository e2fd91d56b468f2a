using System.Text.Json.Serialization;

namespace Pulse.Lifecycle;

/// <summary>Body of the /register answer (accountId only when the accountId feature was requested).</summary>
internal sealed class RegisterResponseBody
{
    public string? FunctionName { get; set; }
    public string? FunctionVersion { get; set; }
    public string? Handler { get; set; }
    public string? AccountId { get; set; }
}

/// <summary>Body of a /next answer, INVOKE or SHUTDOWN.</summary>
internal sealed class NextEventBody
{
    public string? EventType { get; set; }
    public string? RequestId { get; set; }
    public long DeadlineMs { get; set; }
    public string? InvokedFunctionArn { get; set; }
    public TracingBody? Tracing { get; set; }
    public string? ShutdownReason { get; set; }
}

internal sealed class TracingBody
{
    public string? Type { get; set; }
    public string? Value { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, GenerationMode = JsonSourceGenerationMode.Metadata,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(RegisterResponseBody))]
[JsonSerializable(typeof(NextEventBody))]
internal sealed partial class ExtensionsApiJsonContext : JsonSerializerContext;
