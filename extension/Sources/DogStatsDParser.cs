using System.Buffers.Text;
using System.Text;

namespace Pulse.Sources;

/// <summary>
/// Parses DogStatsD datagrams: lines <c>name:value[:value…]|type[|@rate][|#tag,tag:value][|c:…][|T…]</c>,
/// several per datagram separated by newlines. Events (<c>_e{</c>) and service checks (<c>_sc|</c>) and
/// sets are recognised and skipped; anything else that does not parse is malformed. Never throws.
/// </summary>
public static class DogStatsDParser
{
    public const int MaxNameLength = 200;
    public const int MaxTags = 50;

    public enum LineResult
    {
        Ok,
        Malformed,
        Unsupported,
        Empty,
    }

    /// <summary>Parses one line (without its newline).</summary>
    public static LineResult TryParseLine(ReadOnlySpan<byte> line, out StatsdSample? sample)
    {
        sample = null;
        line = line.TrimEnd((byte)'\r');
        if (line.IsEmpty) return LineResult.Empty;
        if (line.StartsWith("_e{"u8) || line.StartsWith("_sc|"u8)) return LineResult.Unsupported;

        var firstPipe = line.IndexOf((byte)'|');
        if (firstPipe <= 0) return LineResult.Malformed;
        var nameAndValues = line[..firstPipe];
        var colon = nameAndValues.IndexOf((byte)':');
        if (colon <= 0 || colon == nameAndValues.Length - 1 || colon > MaxNameLength) return LineResult.Malformed;
        var nameBytes = nameAndValues[..colon];
        foreach (var b in nameBytes)
        {
            if (b <= (byte)' ' || b == (byte)'|' || b == (byte)'#' || b == (byte)'@' || b >= 0x7F) return LineResult.Malformed;
        }

        var rest = line[(firstPipe + 1)..];
        var nextPipe = rest.IndexOf((byte)'|');
        var typeBytes = nextPipe < 0 ? rest : rest[..nextPipe];
        StatsdMetricType type;
        if (typeBytes.SequenceEqual("c"u8)) type = StatsdMetricType.Counter;
        else if (typeBytes.SequenceEqual("g"u8)) type = StatsdMetricType.Gauge;
        else if (typeBytes.SequenceEqual("ms"u8)) type = StatsdMetricType.Timer;
        else if (typeBytes.SequenceEqual("h"u8)) type = StatsdMetricType.Histogram;
        else if (typeBytes.SequenceEqual("d"u8)) type = StatsdMetricType.Distribution;
        else if (typeBytes.SequenceEqual("s"u8)) return LineResult.Unsupported;
        else return LineResult.Malformed;

        // Values: one or more, separated by ':'.
        var valuesBytes = nameAndValues[(colon + 1)..];
        var count = valuesBytes.Count((byte)':') + 1;
        if (count > 1000) return LineResult.Malformed;
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var end = valuesBytes.IndexOf((byte)':');
            var text = end < 0 ? valuesBytes : valuesBytes[..end];
            // A gauge may carry an explicit sign (a delta in plain StatsD); it is read as the value.
            if (!Utf8Parser.TryParse(text, out double value, out var consumed) || consumed != text.Length || !double.IsFinite(value))
                return LineResult.Malformed;
            values[i] = value;
            valuesBytes = end < 0 ? ReadOnlySpan<byte>.Empty : valuesBytes[(end + 1)..];
        }

        var rate = 1.0;
        List<KeyValuePair<string, string>>? tags = null;
        rest = nextPipe < 0 ? ReadOnlySpan<byte>.Empty : rest[(nextPipe + 1)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'|');
            var field = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlySpan<byte>.Empty : rest[(end + 1)..];
            if (field.IsEmpty) continue;
            if (field[0] == (byte)'@')
            {
                if (!Utf8Parser.TryParse(field[1..], out rate, out var consumed) || consumed != field.Length - 1 || !(rate > 0 && rate <= 1))
                    return LineResult.Malformed;
            }
            else if (field[0] == (byte)'#')
            {
                tags = ParseTags(field[1..]);
                if (tags is null) return LineResult.Malformed;
            }
            // c: (container id), T (timestamp) and unknown extensions are ignored, as agents do.
        }
        sample = new StatsdSample(Encoding.UTF8.GetString(nameBytes), values, type, rate, (IReadOnlyList<KeyValuePair<string, string>>?)tags ?? []);
        return LineResult.Ok;
    }

    private static List<KeyValuePair<string, string>>? ParseTags(ReadOnlySpan<byte> text)
    {
        var tags = new List<KeyValuePair<string, string>>();
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)',');
            var tag = end < 0 ? text : text[..end];
            text = end < 0 ? ReadOnlySpan<byte>.Empty : text[(end + 1)..];
            if (tag.IsEmpty) continue;
            if (tags.Count >= MaxTags) return null;
            var colon = tag.IndexOf((byte)':');
            if (colon == 0) return null;
            var key = Encoding.UTF8.GetString(colon < 0 ? tag : tag[..colon]);
            var value = colon < 0 ? "" : Encoding.UTF8.GetString(tag[(colon + 1)..]);
            tags.Add(new(key, value));
        }
        return tags;
    }
}
