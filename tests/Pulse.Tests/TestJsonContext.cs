using System.Text.Json.Serialization;

namespace Pulse.Tests;

[JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
