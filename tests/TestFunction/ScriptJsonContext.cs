using System.Text.Json.Serialization;

namespace Pulse.TestFunction;

/// <summary>Source-generated JSON for the event script and the Runtime API error body (no reflection under AOT).</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(EventScript))]
[JsonSerializable(typeof(RuntimeErrorBody))]
internal sealed partial class ScriptJsonContext : JsonSerializerContext;
