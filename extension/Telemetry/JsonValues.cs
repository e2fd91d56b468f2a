using System.Buffers.Text;
using System.Text.Json;

namespace Pulse.Telemetry;

/// <summary>Lenient value reads for hand-rolled Utf8JsonReader parsing: a wrong type yields null (the value is skipped), never an exception.</summary>
public static class JsonValues
{
    /// <summary>Reads the value after a property name: a string, or null for any other token (containers are skipped).</summary>
    public static string? String(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }

    /// <summary>Reads the value after a property name: a number (or a numeric string), else null.</summary>
    public static double? Number(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : null;
            case JsonTokenType.String when !reader.HasValueSequence && !reader.ValueIsEscaped:
                return Utf8Parser.TryParse(reader.ValueSpan, out double parsed, out var consumed) && consumed == reader.ValueSpan.Length && double.IsFinite(parsed)
                    ? parsed : null;
            default:
                reader.Skip();
                return null;
        }
    }
}
