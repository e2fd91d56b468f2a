using Pulse.Metrics;

namespace Pulse.Sinks.Tests;

/// <summary>Catalog-shaped definitions and points for the sink tests (the real catalog belongs to the core).</summary>
internal static class TestPoints
{
    public static readonly MetricDefinition Duration = new("duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Wall time of the invocation");
    public static readonly MetricDefinition BilledDuration = new("billed_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Billed time");
    public static readonly MetricDefinition InitDuration = new("init_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Init phase time");
    public static readonly MetricDefinition RuntimeDuration = new("runtime_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Runtime time");
    public static readonly MetricDefinition PostRuntimeDuration = new("post_runtime_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Time extensions added");
    public static readonly MetricDefinition MaxMemoryUsed = new("max_memory_used", MetricUnit.Megabytes, MetricKind.Distribution, "Peak memory");
    public static readonly MetricDefinition Invocations = new("invocations", MetricUnit.Count, MetricKind.Counter, "Invocations");
    public static readonly MetricDefinition EstimatedCost = new("estimated_cost", MetricUnit.Usd, MetricKind.Distribution, "Cost");
    public static readonly MetricDefinition CustomGauge = new("shop.queue_depth", MetricUnit.None, MetricKind.Gauge, "", IsCustom: true);

    public static readonly DateTimeOffset EventTime = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public static MetricTags Tags(bool? coldStart = true, string version = "$LATEST") => new()
    {
        FunctionName = "checkout",
        Region = "eu-west-1",
        AccountId = "123456789012",
        MemorySizeMb = 1024,
        ExecutedVersion = version,
        Architecture = "arm64",
        Runtime = "python3.12",
        ColdStart = coldStart,
        Extra = [new("team", "payments")],
    };

    /// <summary>Points whose values are 1..count (distinct), so a receiver can tell each one apart.</summary>
    public static List<MetricPoint> Numbered(int count, int first = 1)
    {
        var tags = Tags(coldStart: false);
        return Enumerable.Range(first, count)
            .Select(i => new MetricPoint(Duration, i, EventTime.AddMilliseconds(i), tags, $"req-{i}"))
            .ToList();
    }
}
