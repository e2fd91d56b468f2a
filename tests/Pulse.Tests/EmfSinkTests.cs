using System.Text;
using System.Text.Json;
using Pulse.Config;
using Pulse.Metrics;
using Pulse.Sinks.Emf;

namespace Pulse.Tests;

public sealed class EmfSinkTests
{
    private static readonly MetricTags Tags = new()
    {
        FunctionName = "orders", Region = "eu-west-1", AccountId = "123456789012", MemorySizeMb = 128,
        Runtime = "python3.12", ColdStart = true, ExecutedVersion = "7",
    };

    private static List<string> Export(IReadOnlyList<MetricPoint> points, IReadOnlyList<IReadOnlyList<string>>? dimensions = null)
    {
        using var output = new MemoryStream();
        var sink = new EmfSink(output, "Pulse", dimensions ?? [["function_name"]], new PulseLog(TextWriter.Null));
        var result = sink.ExportAsync(points, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(Pulse.Sinks.ExportStatus.Success, result.Status);
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public void One_valid_line_per_invocation_with_units_dimensions_and_plain_properties()
    {
        var t0 = new DateTimeOffset(2024, 5, 20, 16, 29, 45, 8, TimeSpan.Zero);
        var points = new List<MetricPoint>
        {
            new(MetricCatalog.Invocations, 1, t0, Tags, "req-1"),
            new(MetricCatalog.RuntimeDuration, 11.185, t0.AddMilliseconds(11), Tags, "req-1"),
            new(MetricCatalog.Duration, 11.642, t0.AddMilliseconds(14), Tags, "req-1"),
            new(MetricCatalog.MaxMemoryUsed, 67, t0.AddMilliseconds(14), Tags, "req-1"),
            new(MetricCatalog.ProducedBytes, 40, t0.AddMilliseconds(11), Tags, "req-1"),
            new(MetricCatalog.EstimatedCost, 2.2e-7, t0.AddMilliseconds(14), Tags, "req-1"),
            new(MetricCatalog.Invocations, 1, t0.AddSeconds(5), Tags with { ColdStart = false }, "req-2"),
        };
        var lines = Export(points);
        Assert.Equal(2, lines.Count);
        using var first = EmfValidator.Validate(lines[0]);
        var root = first.RootElement;
        Assert.Equal(t0.ToUnixTimeMilliseconds(), root.GetProperty("_aws").GetProperty("Timestamp").GetInt64()); // the earliest event, not the flush
        var directive = root.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("Pulse", directive.GetProperty("Namespace").GetString());
        Assert.Equal("""[["function_name"]]""", directive.GetProperty("Dimensions").GetRawText());
        var units = directive.GetProperty("Metrics").EnumerateArray().ToDictionary(m => m.GetProperty("Name").GetString()!, m => m.GetProperty("Unit").GetString());
        Assert.Equal("Count", units["invocations"]);
        Assert.Equal("Milliseconds", units["duration"]);
        Assert.Equal("Megabytes", units["max_memory_used"]);
        Assert.Equal("Bytes", units["produced_bytes"]);
        Assert.Equal("None", units["estimated_cost"]);
        Assert.Equal("req-1", root.GetProperty("requestId").GetString());
        Assert.Equal("true", root.GetProperty("cold_start").GetString());
        Assert.Equal("orders:7", root.GetProperty("resource").GetString());
        Assert.Equal("123456789012", root.GetProperty("account_id").GetString());
        Assert.Equal("128", root.GetProperty("memory_size").GetString());
        Assert.Equal(11.642, root.GetProperty("duration").GetDouble());
        using var second = EmfValidator.Validate(lines[1]);
        Assert.Equal("req-2", second.RootElement.GetProperty("requestId").GetString());
        Assert.Equal("false", second.RootElement.GetProperty("cold_start").GetString());
    }

    [Fact]
    public void Repeated_values_become_arrays_and_large_groups_split_to_stay_valid()
    {
        var t0 = DateTimeOffset.UnixEpoch.AddDays(20000);
        var custom = new MetricDefinition("latency", MetricUnit.Milliseconds, MetricKind.Distribution, "d", IsCustom: true);
        var points = Enumerable.Range(0, 250).Select(i => new MetricPoint(custom, i, t0, Tags, "r")).ToList();
        var lines = Export(points);
        Assert.Equal(3, lines.Count);
        var total = 0;
        foreach (var line in lines)
        {
            using var doc = EmfValidator.Validate(line);
            total += doc.RootElement.GetProperty("latency").GetArrayLength();
        }
        Assert.Equal(250, total);
    }

    [Fact]
    public void Custom_metrics_get_their_own_line_per_tag_set_with_tags_as_properties()
    {
        var t0 = DateTimeOffset.UnixEpoch.AddDays(20000);
        var custom = new MetricDefinition("orders_placed", MetricUnit.Count, MetricKind.Counter, "c", IsCustom: true);
        var points = new List<MetricPoint>
        {
            new(MetricCatalog.Invocations, 1, t0, Tags, "r"),
            new(custom, 3, t0, Tags with { Extra = [new("shop", "eu")] }, "r"),
            new(custom, 5, t0, Tags with { Extra = [new("shop", "us")] }, "r"),
        };
        var lines = Export(points);
        Assert.Equal(3, lines.Count);
        var shops = lines.Select(l => { using var d = EmfValidator.Validate(l); return d.RootElement.TryGetProperty("shop", out var s) ? s.GetString() : null; }).ToList();
        Assert.Equal([null, "eu", "us"], shops);
    }

    [Fact]
    public void A_dimension_the_line_lacks_is_left_out_rather_than_making_the_line_invalid()
    {
        var t0 = DateTimeOffset.UnixEpoch.AddDays(20000);
        var sandbox = Tags with { ColdStart = null };
        var lines = Export([new(MetricCatalog.Shutdowns, 1, t0, sandbox)], [["function_name", "cold_start"], ["function_name"]]);
        using var doc = EmfValidator.Validate(Assert.Single(lines));
        Assert.Equal("""[["function_name"]]""", doc.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Dimensions").GetRawText());
        Assert.False(doc.RootElement.TryGetProperty("requestId", out _));
    }

    [Fact]
    public void Non_finite_values_are_skipped()
    {
        var t0 = DateTimeOffset.UnixEpoch.AddDays(20000);
        var lines = Export([new(MetricCatalog.Duration, double.NaN, t0, Tags, "r"), new(MetricCatalog.Invocations, 1, t0, Tags, "r")]);
        using var doc = EmfValidator.Validate(Assert.Single(lines));
        Assert.False(doc.RootElement.TryGetProperty("duration", out _));
    }

    [Fact]
    public void Tag_keys_never_collide_with_metric_names()
    {
        foreach (var key in TagKeys.All) Assert.Null(MetricCatalog.Find(key));
        Assert.Equal(19, MetricCatalog.Enhanced.Count);
        Assert.Equal(MetricCatalog.All.Count, MetricCatalog.All.Select(m => m.Name).Distinct().Count());
    }
}
