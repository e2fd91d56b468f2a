using System.Globalization;

namespace Pulse.Config;

/// <summary>
/// Reads PULSE_* (and the Lambda) environment variables. A bad value never throws: it yields one line
/// naming the variable, the value, what is accepted and the default used. Sinks read their own
/// settings (PULSE_OTLP_*, PULSE_DATADOG_*) through the same reader so every setting behaves alike.
/// </summary>
public sealed class EnvironmentReader
{
    private readonly Func<string, string?> _lookup;
    private readonly PulseLog _log;

    public EnvironmentReader(Func<string, string?> lookup, PulseLog log)
    {
        _lookup = lookup;
        _log = log;
    }

    /// <summary>The process environment.</summary>
    public static Func<string, string?> ProcessEnvironment { get; } = Environment.GetEnvironmentVariable;

    public PulseLog Log => _log;

    /// <summary>The raw value, or null when unset or blank.</summary>
    public string? Raw(string name)
    {
        var value = _lookup(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string String(string name, string defaultValue) => Raw(name) ?? defaultValue;

    public int Int(string name, int defaultValue, int min, int max)
    {
        var raw = Raw(name);
        if (raw is null) return defaultValue;
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        Invalid(name, raw, $"an integer from {min} to {max}", defaultValue.ToString(CultureInfo.InvariantCulture));
        return defaultValue;
    }

    public double Double(string name, double defaultValue, double min, double max)
    {
        var raw = Raw(name);
        if (raw is null) return defaultValue;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && value >= min && value <= max)
            return value;
        Invalid(name, raw, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
            defaultValue.ToString(CultureInfo.InvariantCulture));
        return defaultValue;
    }

    /// <summary>Optional number: null when unset; a bad value is reported and yields null.</summary>
    public double? OptionalDouble(string name, double min, double max)
    {
        var raw = Raw(name);
        if (raw is null) return null;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && value >= min && value <= max)
            return value;
        Invalid(name, raw, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}", "the built-in value");
        return null;
    }

    public bool Bool(string name, bool defaultValue)
    {
        var raw = Raw(name);
        if (raw is null) return defaultValue;
        switch (raw.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on": return true;
            case "false" or "0" or "no" or "off": return false;
            default:
                Invalid(name, raw, "true or false", defaultValue ? "true" : "false");
                return defaultValue;
        }
    }

    /// <summary>A comma-separated list, trimmed and lowercased, empty entries removed; the default when unset or empty.</summary>
    public IReadOnlyList<string> List(string name, IReadOnlyList<string> defaultValue)
    {
        var raw = Raw(name);
        if (raw is null) return defaultValue;
        var items = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (items.Length > 0) return items;
        Invalid(name, raw, "a comma-separated list", string.Join(",", defaultValue));
        return defaultValue;
    }

    /// <summary>Reports one bad value in the standard shape.</summary>
    public void Invalid(string name, string value, string accepted, string defaultUsed) =>
        _log.Warn($"{name}='{value}' is not valid: expected {accepted}; using {defaultUsed}");
}
