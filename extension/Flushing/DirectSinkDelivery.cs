using System.Diagnostics;
using Pulse.Config;
using Pulse.Metrics;
using Pulse.Sinks;

namespace Pulse.Flushing;

/// <summary>
/// Delivery for a local sink that cannot hang (EMF on stdout): a bounded buffer, and a flush that hands
/// the whole buffer to the sink in one export. A retryable failure puts the points back (oldest dropped
/// beyond the bound) except in the final (SHUTDOWN) flush; a rejection or an export that outlives the
/// deadline counts them as dropped.
/// </summary>
public sealed class DirectSinkDelivery : ISinkDelivery
{
    private readonly IMetricSink _sink;
    private readonly int _maxPoints;
    private readonly PulseLog _log;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly DeliveryCounters _counters = new();
    private List<MetricPoint> _buffer = [];
    private List<MetricPoint> _inFlight = [];

    public DirectSinkDelivery(IMetricSink sink, int maxPoints, PulseLog log)
    {
        _sink = sink;
        _maxPoints = Math.Max(1, maxPoints);
        _log = log;
    }

    public string SinkName => _sink.Name;

    public void Enqueue(IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0) return;
        lock (_gate)
        {
            for (var i = 0; i < points.Count; i++) _buffer.Add(points[i]);
            _counters.Enqueued(points.Count);
            TrimLocked();
        }
    }

    public async Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken)
    {
        var remaining = deadline - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero) return;
        try
        {
            if (!await _flushGate.WaitAsync(remaining, cancellationToken).ConfigureAwait(false)) return;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            List<MetricPoint> batch;
            lock (_gate)
            {
                if (_buffer.Count == 0) return;
                batch = _buffer;
                _buffer = _inFlight;
                _inFlight = batch;
            }
            var started = Stopwatch.GetTimestamp();
            var failed = true;
            try
            {
                remaining = deadline - DateTimeOffset.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    Requeue(batch);
                    return;
                }
                ExportResult result;
                try
                {
                    // A local sink finishes synchronously: no deadline timer is armed for it. One that does not
                    // is waited for until the deadline only (its outcome is then unknown: counted as dropped).
                    var export = _sink.ExportAsync(batch, cancellationToken);
                    result = export.IsCompleted ? await export.ConfigureAwait(false)
                        : await export.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    result = new ExportResult(ExportStatus.Rejected, "the export outlived the flush deadline");
                }
                catch (OperationCanceledException)
                {
                    result = new ExportResult(ExportStatus.Rejected, "the export was cancelled at the flush deadline");
                }
                catch (Exception e)
                {
                    result = new ExportResult(ExportStatus.Retryable, $"{e.GetType().Name}: {e.Message}");
                }
                switch (result.Status)
                {
                    case ExportStatus.Success:
                        _counters.Delivered(batch.Count);
                        failed = false;
                        break;
                    case ExportStatus.Retryable when final:
                        // SHUTDOWN: there is no next flush to retry in.
                        _log.Warn($"sink {SinkName}: {batch.Count} points dropped at shutdown, the export failed: {result.Detail}");
                        _counters.Dropped(batch.Count);
                        break;
                    case ExportStatus.Retryable:
                        _log.Once(LogLevel.Warn, $"{SinkName}-retryable", $"sink {SinkName}: export failed, will retry at the next flush: {result.Detail}");
                        Requeue(batch);
                        break;
                    default:
                        _log.Once(LogLevel.Warn, $"{SinkName}-rejected", $"sink {SinkName}: {batch.Count} points dropped: {result.Detail}");
                        _counters.Dropped(batch.Count);
                        break;
                }
            }
            finally
            {
                batch.Clear();
                _counters.Flushed(Stopwatch.GetElapsedTime(started), failed);
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    public DeliveryStats GetStats()
    {
        long pending;
        lock (_gate) pending = _buffer.Count;
        return _counters.Snapshot(pending);
    }

    private void Requeue(List<MetricPoint> batch)
    {
        lock (_gate)
        {
            _buffer.InsertRange(0, batch);
            TrimLocked();
        }
    }

    private void TrimLocked()
    {
        var overflow = _buffer.Count - _maxPoints;
        if (overflow <= 0) return;
        _buffer.RemoveRange(0, overflow);
        _counters.Dropped(overflow);
        _log.Once(LogLevel.Warn, $"{SinkName}-overflow", $"sink {SinkName}: buffer full ({_maxPoints} points), dropping the oldest");
    }
}
