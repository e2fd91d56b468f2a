using Pulse.Metrics;

namespace Pulse.Sinks.Otlp;

/// <summary>One OTLP attribute: a string, integer or boolean value (all the FaaS/cloud conventions need).</summary>
internal readonly record struct OtlpAttribute(string Key, string? StringValue = null, long? IntValue = null, bool? BoolValue = null);

/// <summary>The points of one metric (same name, kind and unit) within one resource.</summary>
internal sealed record OtlpMetric(string Name, MetricDefinition Definition, List<MetricPoint> Points);

/// <summary>One resource (a function's sandbox) with its attributes and metrics.</summary>
internal sealed record OtlpResource(List<OtlpAttribute> Attributes, List<OtlpMetric> Metrics);

/// <summary>
/// The shape shared by the protobuf and JSON encoders: points grouped by resource (FaaS and cloud semantic
/// conventions) and by metric. Names, units and attributes are decided here, once.
/// </summary>
internal static class OtlpBatch
{
    public const string EnhancedPrefix = "aws.lambda.enhanced.";
    public const string ScopeName = "pulse";

    public static string MetricName(MetricDefinition definition) => definition.IsCustom ? definition.Name : EnhancedPrefix + definition.Name;

    /// <summary>UCUM units as OTel expects them; Lambda's "MB" is a mebibyte, hence MiBy.</summary>
    public static string UcumUnit(MetricUnit unit) => unit switch
    {
        MetricUnit.Milliseconds => "ms",
        MetricUnit.Seconds => "s",
        MetricUnit.Megabytes => "MiBy",
        MetricUnit.Bytes => "By",
        MetricUnit.Count => "{count}",
        MetricUnit.Usd => "{USD}",
        _ => "1",
    };

    /// <summary>Nanoseconds since the Unix epoch of the event (never the flush time); 0 before 1970.</summary>
    public static ulong UnixNanos(DateTimeOffset timestamp)
    {
        var ticks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks <= 0 ? 0UL : (ulong)ticks * 100UL;
    }

    public static List<OtlpResource> Group(IReadOnlyList<MetricPoint> points, string? faasInstance)
    {
        var resources = new List<OtlpResource>();
        var resourceIndex = new Dictionary<ResourceKey, (OtlpResource Resource, Dictionary<(string, MetricKind, MetricUnit), OtlpMetric> Metrics)>();
        foreach (var point in points)
        {
            var tags = point.Tags;
            var key = new ResourceKey(tags.FunctionName, tags.Region, tags.AccountId, tags.MemorySizeMb, tags.ExecutedVersion, tags.Architecture, tags.Runtime);
            if (!resourceIndex.TryGetValue(key, out var entry))
            {
                entry = (new OtlpResource(ResourceAttributes(tags, faasInstance), []), new());
                resourceIndex.Add(key, entry);
                resources.Add(entry.Resource);
            }
            var name = MetricName(point.Metric);
            var metricKey = (name, point.Metric.Kind, point.Metric.Unit);
            if (!entry.Metrics.TryGetValue(metricKey, out var metric))
            {
                metric = new OtlpMetric(name, point.Metric, []);
                entry.Metrics.Add(metricKey, metric);
                entry.Resource.Metrics.Add(metric);
            }
            metric.Points.Add(point);
        }
        return resources;
    }

    /// <summary>Per-point attributes: what varies between invocations of one sandbox, plus custom tags.</summary>
    public static List<OtlpAttribute> PointAttributes(MetricPoint point)
    {
        var attributes = new List<OtlpAttribute>(point.Tags.Extra.Count + 1);
        if (point.Tags.ColdStart is { } coldStart) attributes.Add(new("faas.coldstart", BoolValue: coldStart));
        foreach (var (key, value) in point.Tags.Extra)
        {
            if (!string.IsNullOrEmpty(key)) attributes.Add(new(key, StringValue: value));
        }
        return attributes;
    }

    private static List<OtlpAttribute> ResourceAttributes(MetricTags tags, string? faasInstance)
    {
        var attributes = new List<OtlpAttribute>
        {
            new("service.name", StringValue: tags.FunctionName),
            new("faas.name", StringValue: tags.FunctionName),
            new("faas.version", StringValue: tags.ExecutedVersion),
            new("cloud.provider", StringValue: "aws"),
            new("cloud.platform", StringValue: "aws_lambda"),
            new("cloud.region", StringValue: tags.Region),
        };
        if (tags.MemorySizeMb > 0) attributes.Add(new("faas.max_memory", IntValue: tags.MemorySizeMb * 1024L * 1024L));
        if (faasInstance is not null) attributes.Add(new("faas.instance", StringValue: faasInstance));
        if (!string.IsNullOrEmpty(tags.AccountId) && tags.AccountId != "none") attributes.Add(new("cloud.account.id", StringValue: tags.AccountId));
        attributes.Add(new("host.arch", StringValue: tags.Architecture == "x86_64" ? "amd64" : tags.Architecture));
        // Not a semantic convention (there is none for the Lambda runtime identifier); named under aws.lambda.
        if (!string.IsNullOrEmpty(tags.Runtime) && tags.Runtime != "unknown") attributes.Add(new("aws.lambda.runtime", StringValue: tags.Runtime));
        return attributes;
    }

    private readonly record struct ResourceKey(string FunctionName, string Region, string AccountId, int MemorySizeMb, string Version, string Architecture, string Runtime);
}
