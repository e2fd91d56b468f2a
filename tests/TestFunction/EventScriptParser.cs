using System.Text.Json;

namespace Pulse.TestFunction;

/// <summary>
/// Turns an event payload into an <see cref="EventScript"/>. Never throws: an event that is not a JSON
/// object, or has a field of the wrong type, runs the default behaviour and reports the problem.
/// </summary>
internal static class EventScriptParser
{
    /// <summary>Largest allocation a script may ask for; beyond the biggest Lambda memory size (10,240 MB).</summary>
    public const int MaxAllocateMb = 16 * 1024;

    /// <summary>Lambda's synchronous response cap is 6 MB; allow a little past it to test the 413 path.</summary>
    public const int MaxResponseBytes = 16 * 1024 * 1024;

    public static ParsedEvent Parse(ReadOnlySpan<byte> payload)
    {
        var problems = new List<string>();
        var trimmed = TrimWhitespace(payload);
        if (trimmed.IsEmpty) return new ParsedEvent(new EventScript(), IsJson: false, problems);
        if (trimmed[0] != (byte)'{')
        {
            var isJson = IsValidJson(trimmed);
            problems.Add(isJson ? "event is JSON but not an object: default behaviour" : "event is not JSON: default behaviour");
            return new ParsedEvent(new EventScript(), isJson, problems);
        }

        EventScript? script;
        try
        {
            script = JsonSerializer.Deserialize(trimmed, ScriptJsonContext.Default.EventScript);
        }
        catch (JsonException e)
        {
            var isJson = IsValidJson(trimmed);
            problems.Add($"event is not a valid script ({e.Message}): default behaviour");
            return new ParsedEvent(new EventScript(), isJson, problems);
        }

        script ??= new EventScript();
        Validate(script, problems);
        return new ParsedEvent(script, IsJson: true, problems);
    }

    private static void Validate(EventScript s, List<string> problems)
    {
        if (s.SleepMs is < 0)
        {
            problems.Add($"sleepMs {s.SleepMs} is negative: no sleep");
            s.SleepMs = null;
        }
        if (s.AllocateMb is < 0 or > MaxAllocateMb)
        {
            problems.Add($"allocateMb {s.AllocateMb} is outside 0..{MaxAllocateMb}: no allocation");
            s.AllocateMb = null;
        }
        if (s.ResponseBytes is < 0 or > MaxResponseBytes)
        {
            problems.Add($"responseBytes {s.ResponseBytes} is outside 0..{MaxResponseBytes}: default response size");
            s.ResponseBytes = null;
        }
        if (s.Exit is < 0 or > 255)
        {
            problems.Add($"exit {s.Exit} is outside 0..255: no exit");
            s.Exit = null;
        }
        if (s.StatsdPort is < 1 or > 65535)
        {
            problems.Add($"statsdPort {s.StatsdPort} is outside 1..65535: the default port is used");
            s.StatsdPort = null;
        }
        if (s.Log is not null && s.Log.Any(l => l is null))
        {
            problems.Add("log has null entries: they are skipped");
            s.Log = s.Log.Where(l => l is not null).ToArray();
        }
        if (s.Stderr is not null && s.Stderr.Any(l => l is null))
        {
            problems.Add("stderr has null entries: they are skipped");
            s.Stderr = s.Stderr.Where(l => l is not null).ToArray();
        }
        if (s.Statsd is not null && s.Statsd.Any(l => l is null))
        {
            problems.Add("statsd has null entries: they are skipped");
            s.Statsd = s.Statsd.Where(l => l is not null).ToArray();
        }
    }

    private static bool IsValidJson(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        try
        {
            reader.Read();
            reader.Skip();
            return !reader.Read(); // nothing may follow the single value
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> bytes)
    {
        var start = 0;
        while (start < bytes.Length && IsSpace(bytes[start])) start++;
        var end = bytes.Length;
        while (end > start && IsSpace(bytes[end - 1])) end--;
        return bytes[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
