using System.Net;
using System.Text.Json;

namespace Pulse.Docker.Tests;

/// <summary>What the invoke endpoint answered.</summary>
public sealed record InvokeResult(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The body as JSON, or null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            try
            {
                using var doc = JsonDocument.Parse(Body);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>A string property of the JSON body, or null.</summary>
    public string? Property(string name) =>
        Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>The request id the platform gave the invocation (RIE's X-Amzn-RequestId header; else the test function's answer).</summary>
    public string? RequestId => Headers.GetValueOrDefault("X-Amzn-RequestId") ?? Property("requestId");

    /// <summary>Lambda's marker of a failed invocation (X-Amz-Function-Error), or null.</summary>
    public string? FunctionError => Headers.GetValueOrDefault("X-Amz-Function-Error");

    public override string ToString() => $"{(int)Status} {Body}";
}
