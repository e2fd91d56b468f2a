using System.Text.Json;

namespace Pulse.Tests;

/// <summary>
/// Checks one line against the CloudWatch Embedded Metric Format specification: a JSON object with
/// _aws.Timestamp (ms epoch) and CloudWatchMetrics directives (Namespace, Dimensions, Metrics); every
/// dimension key a root string property; every metric a root number or array of numbers (≤ 100);
/// ≤ 100 metrics per directive, ≤ 30 keys per dimension set, units from CloudWatch's list.
/// </summary>
internal static class EmfValidator
{
    private static readonly HashSet<string> Units =
    [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
        "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
        "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
        "Terabits/Second", "Count/Second", "None",
    ];

    public static JsonDocument Validate(string line)
    {
        var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var aws = root.GetProperty("_aws");
        Assert.True(aws.GetProperty("Timestamp").TryGetInt64(out var ts) && ts > 0, "Timestamp must be a positive integer (ms epoch)");
        var directives = aws.GetProperty("CloudWatchMetrics");
        Assert.Equal(JsonValueKind.Array, directives.ValueKind);
        Assert.NotEqual(0, directives.GetArrayLength());
        foreach (var directive in directives.EnumerateArray())
        {
            var ns = directive.GetProperty("Namespace").GetString();
            Assert.False(string.IsNullOrEmpty(ns));
            Assert.InRange(ns!.Length, 1, 255);
            foreach (var set in directive.GetProperty("Dimensions").EnumerateArray())
            {
                Assert.InRange(set.GetArrayLength(), 0, 30);
                foreach (var key in set.EnumerateArray())
                {
                    var name = key.GetString()!;
                    Assert.True(root.TryGetProperty(name, out var value), $"dimension {name} has no root property");
                    Assert.Equal(JsonValueKind.String, value.ValueKind);
                }
            }
            var metrics = directive.GetProperty("Metrics");
            Assert.InRange(metrics.GetArrayLength(), 1, 100);
            var names = new HashSet<string>();
            foreach (var metric in metrics.EnumerateArray())
            {
                var name = metric.GetProperty("Name").GetString()!;
                Assert.True(names.Add(name), $"metric {name} listed twice");
                if (metric.TryGetProperty("Unit", out var unit)) Assert.Contains(unit.GetString()!, Units);
                Assert.True(root.TryGetProperty(name, out var value), $"metric {name} has no root value");
                if (value.ValueKind == JsonValueKind.Array)
                {
                    Assert.InRange(value.GetArrayLength(), 1, 100);
                    Assert.All(value.EnumerateArray(), v => Assert.Equal(JsonValueKind.Number, v.ValueKind));
                }
                else
                {
                    Assert.Equal(JsonValueKind.Number, value.ValueKind);
                }
            }
        }
        return doc;
    }
}
