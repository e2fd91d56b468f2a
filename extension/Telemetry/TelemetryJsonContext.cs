using System.Text.Json.Serialization;

namespace Pulse.Telemetry;

/// <summary>Source-generated (reflection-free) System.Text.Json metadata for the telemetry record shapes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(PlatformRecord))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;
