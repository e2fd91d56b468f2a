using Pulse.Metrics;

namespace Pulse.Tests;

/// <summary>Records every Publish call (each call is one batch) for assertions.</summary>
internal sealed class CapturingPublisher : IMetricPublisher
{
    private readonly object _gate = new();
    public List<List<MetricPoint>> Batches { get; } = [];

    public void Publish(IReadOnlyList<MetricPoint> points)
    {
        lock (_gate) Batches.Add([.. points]);
    }

    public List<MetricPoint> All
    {
        get { lock (_gate) return Batches.SelectMany(b => b).ToList(); }
    }

    public List<MetricPoint> For(string requestId) => All.Where(p => p.RequestId == requestId).ToList();

    public double? Value(string requestId, string metric) => For(requestId).SingleOrDefault(p => p.Metric.Name == metric)?.Value;

    public int Count(string requestId, string metric) => For(requestId).Count(p => p.Metric.Name == metric);

    public void Clear()
    {
        lock (_gate) Batches.Clear();
    }
}
