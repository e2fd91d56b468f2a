using System.Collections.Concurrent;
using Pulse.Metrics;

namespace Pulse.Sinks.Tests;

/// <summary>An in-memory sink whose answers are scripted; it records what it acknowledged.</summary>
internal sealed class ScriptedSink(Func<int, IReadOnlyList<MetricPoint>, CancellationToken, Task<ExportResult>> answer) : IMetricSink
{
    private readonly ConcurrentQueue<MetricPoint> _acknowledged = new();
    private int _calls;

    public string Name => "scripted";

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<MetricPoint> Acknowledged => _acknowledged.ToArray();

    public ScriptedSink(Func<int, ExportResult> answer) : this((call, _, _) => Task.FromResult(answer(call))) { }

    public async Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        var result = await answer(call, points, cancellationToken);
        if (result.Status == ExportStatus.Success) foreach (var point in points) _acknowledged.Enqueue(point);
        return result;
    }
}
