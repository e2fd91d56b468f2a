using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pulse.Emulator.Telemetry;

/// <summary>Validates a Telemetry API (spec §4.1) or Logs API (§5) subscription body, with the documented bounds.</summary>
internal static class SubscriptionParser
{
    private static readonly string[] TelemetrySchemas = { "2022-07-01", "2022-12-13", "2025-01-29" };
    private static readonly string[] LogsSchemas = { "2020-08-15", "2021-03-18" };
    private static readonly string[] KnownTypes = { "platform", "function", "extension" };

    /// <summary>Null when valid (and <paramref name="request"/> is set), else the validation message.</summary>
    public static string? Parse(byte[] body, bool legacy, out SubscriptionRequest? request)
    {
        request = null;
        JsonObject json;
        try { json = JsonNode.Parse(body) as JsonObject ?? throw new FormatException(); }
        catch (Exception e) when (e is JsonException or FormatException) { return "request body is not a JSON object"; }
        try
        {
            var schema = json["schemaVersion"]?.GetValue<string>();
            if (schema is null && legacy) schema = "2020-08-15";
            if (schema is null) return "schemaVersion is required";
            if (!(legacy ? LogsSchemas : TelemetrySchemas).Contains(schema)) return $"schemaVersion {schema} is not supported";

            if (json["types"] is not JsonArray typeArray || typeArray.Count == 0) return "types should not be empty";
            var types = new List<string>();
            foreach (var t in typeArray)
            {
                var type = t?.GetValue<string>();
                if (type is null || !KnownTypes.Contains(type)) return $"types contains an unknown type: {type}";
                if (!types.Contains(type)) types.Add(type);
            }

            var buffering = json["buffering"] as JsonObject;
            if (json["buffering"] is not null && buffering is null) return "buffering must be an object";
            var maxItems = Bounded(buffering, "maxItems", 10_000, 1_000, 10_000, out var e1);
            var maxBytes = Bounded(buffering, "maxBytes", 262_144, 262_144, 1_048_576, out var e2);
            var timeoutMs = Bounded(buffering, "timeoutMs", 1_000, 25, 30_000, out var e3);
            if ((e1 ?? e2 ?? e3) is { } bufferingError) return bufferingError;

            if (json["destination"] is not JsonObject destination) return "destination is required";
            var protocol = destination["protocol"]?.GetValue<string>();
            if (protocol is not ("HTTP" or "TCP")) return "destination.protocol must be HTTP or TCP";
            var uriText = destination["URI"]?.GetValue<string>();
            Uri? uri = null;
            var port = 0;
            if (uriText is not null)
            {
                if (!Uri.TryCreate(uriText, UriKind.Absolute, out uri)) return $"destination.URI is not a valid URI: {uriText}";
                if (protocol == "HTTP" && uri.Scheme != "http") return "destination.URI scheme must be http";
                if (uri.Host is not ("sandbox.localdomain" or "sandbox")) return "destination.URI host must be sandbox.localdomain";
                if (uri.IsDefaultPort && !uriText.Contains($":{uri.Port}", StringComparison.Ordinal)) return "URI port is not provided";
                port = uri.Port;
            }
            else if (protocol == "HTTP") return "destination.URI is required for HTTP";
            if (protocol == "TCP" && destination["port"] is { } portNode) port = portNode.GetValue<int>();
            if (port is < 1 or > 65535) return "destination port is not valid";
            if (port == 9001) return "destination port 9001 is reserved";
            // Delivered to the loopback address; the path is kept, as Lambda keeps it.
            var delivery = protocol == "HTTP" ? new UriBuilder(uri!) { Host = "127.0.0.1" }.Uri : null;
            // The listener sees the Host it subscribed with (e.g. sandbox.localdomain:4243), as in Lambda.
            request = new SubscriptionRequest(legacy, schema, types, maxItems, maxBytes, timeoutMs, protocol, delivery, port, uriText ?? $"tcp:{port}", uri?.Authority);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return $"invalid field type: {e.Message}";
        }
    }

    private static int Bounded(JsonObject? buffering, string name, int fallback, int min, int max, out string? error)
    {
        error = null;
        var node = buffering?[name];
        if (node is null) return fallback;
        int value;
        try { value = node.GetValue<int>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { error = $"buffering.{name} must be an integer"; return fallback; }
        if (value < min || value > max) error = $"buffering.{name} must be between {min} and {max}, got {value}";
        return value;
    }
}
