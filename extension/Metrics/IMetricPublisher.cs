namespace Pulse.Metrics;

/// <summary>
/// Where derived points go (the flush stage implements it). Publish must not block or throw; the list
/// belongs to the caller again when the call returns.
/// </summary>
public interface IMetricPublisher
{
    void Publish(IReadOnlyList<MetricPoint> points);
}
