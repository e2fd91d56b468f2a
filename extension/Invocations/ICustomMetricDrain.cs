using Pulse.Metrics;

namespace Pulse.Invocations;

/// <summary>
/// Custom metrics collected since the last drain (DogStatsD), handed to the tracker so they are
/// attributed to the invocation that was running and flushed with its points.
/// </summary>
public interface ICustomMetricDrain
{
    /// <summary>Appends the aggregated points to <paramref name="into"/>, tagged with the invocation's tags plus their own.</summary>
    void Drain(List<MetricPoint> into, string? requestId, MetricTags invocationTags);
}
