using System.Text.Json;

namespace Pulse.Docker.Tests;

/// <summary>
/// The EMF records found in a container's output. A line counts when it holds a JSON object with
/// <c>_aws.CloudWatchMetrics</c>; anything before its first '{' (a log prefix) is ignored, and every
/// directive's metric names must have a value on the line, as CloudWatch requires.
/// </summary>
public sealed class EmfOutput
{
    private EmfOutput(IReadOnlyList<EmfRecord> records, IReadOnlyList<string> invalid)
    {
        Records = records;
        Invalid = invalid;
    }

    public IReadOnlyList<EmfRecord> Records { get; }

    /// <summary>Lines that look like EMF (they mention _aws) but are not valid EMF, with the reason.</summary>
    public IReadOnlyList<string> Invalid { get; }

    public static EmfOutput Parse(string output)
    {
        var records = new List<EmfRecord>();
        var invalid = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var brace = raw.IndexOf('{');
            if (brace < 0 || !raw.Contains("\"_aws\"", StringComparison.Ordinal)) continue;
            var line = raw[brace..].TrimEnd('\r');
            try
            {
                using var doc = JsonDocument.Parse(line);
                var record = Read(doc.RootElement, out var problem);
                if (record is null) invalid.Add($"{problem}: {line}");
                else records.Add(record);
            }
            catch (JsonException e)
            {
                invalid.Add($"not JSON ({e.Message}): {line}");
            }
        }
        return new EmfOutput(records, invalid);
    }

    private static EmfRecord? Read(JsonElement root, out string problem)
    {
        problem = "";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
        {
            problem = "no _aws object";
            return null;
        }
        if (!aws.TryGetProperty("Timestamp", out var ts) || !ts.TryGetInt64(out var timestamp))
        {
            problem = "no integer _aws.Timestamp";
            return null;
        }
        if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array || directives.GetArrayLength() == 0)
        {
            problem = "no _aws.CloudWatchMetrics directive";
            return null;
        }

        var metrics = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        var units = new Dictionary<string, string>(StringComparer.Ordinal);
        var dimensions = new List<IReadOnlyList<string>>();
        var ns = "";
        foreach (var directive in directives.EnumerateArray())
        {
            ns = directive.TryGetProperty("Namespace", out var n) ? n.GetString() ?? "" : "";
            if (directive.TryGetProperty("Dimensions", out var sets))
            {
                foreach (var set in sets.EnumerateArray()) dimensions.Add(set.EnumerateArray().Select(d => d.GetString() ?? "").ToList());
            }
            foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
            {
                var name = metric.GetProperty("Name").GetString() ?? "";
                if (metric.TryGetProperty("Unit", out var unit)) units[name] = unit.GetString() ?? "";
                if (!root.TryGetProperty(name, out var value))
                {
                    problem = $"metric {name} has no value";
                    return null;
                }
                metrics[name] = value.ValueKind == JsonValueKind.Array
                    ? value.EnumerateArray().Select(v => v.GetDouble()).ToList()
                    : [value.GetDouble()];
            }
        }

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String) properties[property.Name] = property.Value.GetString()!;
        }
        foreach (var set in dimensions)
        {
            foreach (var key in set)
            {
                if (!properties.ContainsKey(key))
                {
                    problem = $"dimension {key} has no value";
                    return null;
                }
            }
        }
        return new EmfRecord(ns, timestamp, metrics, properties, dimensions, units);
    }

    /// <summary>The sum of a metric over every record.</summary>
    public double Sum(string metric) => Records.Sum(r => r.Sum(metric));

    /// <summary>The records carrying a metric.</summary>
    public IReadOnlyList<EmfRecord> With(string metric) => Records.Where(r => r.Has(metric)).ToList();

    /// <summary>The distinct request ids of the records carrying a metric.</summary>
    public IReadOnlyList<string> RequestIdsWith(string metric) =>
        Records.Where(r => r.Has(metric) && r.RequestId is not null).Select(r => r.RequestId!).Distinct().ToList();

    public IReadOnlyList<EmfRecord> ForRequest(string requestId) => Records.Where(r => r.RequestId == requestId).ToList();

    public override string ToString() =>
        $"{Records.Count} EMF records:\n" + string.Join("\n", Records.Select(r =>
            $"  {r.RequestId ?? "-"}: {string.Join(", ", r.Metrics.Select(m => $"{m.Key}={string.Join("|", m.Value)}"))}"))
        + (Invalid.Count > 0 ? "\ninvalid:\n  " + string.Join("\n  ", Invalid) : "");
}
