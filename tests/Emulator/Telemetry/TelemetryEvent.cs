using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Recording;

namespace Pulse.Emulator.Telemetry;

/// <summary>
/// One event as the platform generates it, with its Telemetry API envelope and, when the legacy Logs API has an
/// equivalent, the Logs API record (null = Logs API subscribers never see this type).
/// </summary>
public sealed class TelemetryEvent
{
    public TelemetryEvent(string type, DateTimeOffset time, JsonNode? record, JsonNode? legacyRecord = null, bool legacyNeedsRuntimeDoneSchema = false)
    {
        Type = type;
        Time = time;
        Record = record;
        LegacyRecord = legacyRecord;
        LegacyNeedsRuntimeDoneSchema = legacyNeedsRuntimeDoneSchema;
        Category = type.StartsWith("platform.", StringComparison.Ordinal) ? "platform" : type;
    }

    public string Type { get; }
    public DateTimeOffset Time { get; }
    /// <summary>The Telemetry API record; null for Logs-API-only types (platform.end, platform.fault, platform.logsSubscription).</summary>
    public JsonNode? Record { get; }
    public JsonNode? LegacyRecord { get; }
    /// <summary>platform.runtimeDone exists in the Logs API only for schema 2021-03-18.</summary>
    public bool LegacyNeedsRuntimeDoneSchema { get; }
    /// <summary>"platform", "function" or "extension": the subscription type that selects it.</summary>
    public string Category { get; }

    public byte[] Envelope(bool legacy)
    {
        var envelope = new JsonObject
        {
            ["time"] = TimeFormat.Iso(Time),
            ["type"] = Type,
            ["record"] = (legacy ? LegacyRecord : Record)!.DeepClone(),
        };
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }
}
