using System.Globalization;
using Pulse.Metrics;
using Pulse.Sinks;

namespace Pulse.Flushing;

/// <summary>
/// Buffered, bounded, deadline-aware delivery of points to one network sink (OTLP, Datadog).
/// Points stay in the buffer until the sink acknowledges them; a full buffer drops the oldest and counts
/// them; a failed request puts its points back and waits for a later flush (back-off, Retry-After, circuit
/// breaker) instead of holding the current invocation; every request is bounded by the flush deadline minus
/// a margin and by the request timeout. Nothing in here throws to the caller.
/// </summary>
public sealed class NetworkDelivery : ISinkDelivery
{
    private const int MaxDistinctRejectionLogs = 16;

    private readonly IMetricSink _sink;
    private readonly NetworkDeliveryOptions _options;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly NetworkRetryGate _gate;
    private readonly object _lock = new();
    private readonly LinkedList<MetricPoint> _buffer = new();
    private readonly HashSet<string> _loggedRejections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private int _inFlight;
    private int _batchLimit; // MaxBatchPoints until a 413 says the backend takes fewer
    private bool _failingLogged;

    private long _enqueued, _sent, _retried, _droppedFull, _droppedRejected, _droppedShutdown;
    private long _requests, _failedRequests, _skippedFlushes;
    private TimeSpan _lastLatency, _maxLatency, _totalLatency;
    private long _unloggedOverflow;

    public NetworkDelivery(IMetricSink sink, NetworkDeliveryOptions options, Action<string> log, TimeProvider? time = null)
    {
        _sink = sink;
        _options = options;
        _batchLimit = Math.Max(1, options.MaxBatchPoints);
        _log = log;
        _time = time ?? TimeProvider.System;
        _gate = new NetworkRetryGate(options, _time);
    }

    public string SinkName => _sink.Name;

    public NetworkDeliveryOptions Options => _options;

    /// <summary>Adds points to the buffer; when it is full the oldest buffered points are dropped and counted.</summary>
    public void Enqueue(IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0) return;
        var overflowStarted = false;
        lock (_lock)
        {
            foreach (var point in points) _buffer.AddLast(point);
            _enqueued += points.Count;
            var dropped = TrimOverflowLocked();
            if (dropped > 0)
            {
                overflowStarted = _unloggedOverflow == 0;
                _unloggedOverflow += dropped;
            }
        }
        if (overflowStarted)
        {
            _log($"sink {SinkName}: buffer full ({_options.MaxBufferedPoints} points, {NetworkDeliveryOptions.BufferMaxPointsVariable}); dropping the oldest points until delivery catches up (counted in dropped)");
        }
    }

    /// <summary>
    /// Sends buffered points while the budget lasts: batches go out one after another until the buffer is
    /// empty, a request fails (its points wait for a later flush), or the next request would end after
    /// <paramref name="deadline"/> minus the margin. A final flush (SHUTDOWN) ignores a pending back-off
    /// and counts what it could not send as dropped. Returns without waiting when another flush runs.
    /// </summary>
    public async Task FlushAsync(DateTimeOffset deadline, bool final = false, CancellationToken cancellationToken = default)
    {
        // One flush at a time; a second one waits for the first within its own budget (never past it).
        var wait = deadline - _time.GetUtcNow() - _options.DeadlineMargin;
        var entered = false;
        try
        {
            entered = wait > TimeSpan.Zero && await _flushGate.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (!entered)
        {
            Interlocked.Increment(ref _skippedFlushes);
            if (final) DropRemainingAtShutdown();
            return;
        }
        try
        {
            await SendWhileBudgetLastsAsync(deadline, final, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Defensive: a bug here must cost one log line, never the function.
            _log($"sink {SinkName}: internal error during flush, points kept for the next one: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            if (final) DropRemainingAtShutdown();
            _flushGate.Release();
        }
    }

    /// <summary>The counters in the shape every delivery reports (requests count as flushes, the last request latency as the last flush time).</summary>
    DeliveryStats ISinkDelivery.GetStats()
    {
        var stats = GetStats();
        return new DeliveryStats(stats.EnqueuedPoints, stats.SentPoints, stats.DroppedPoints, stats.BufferedPoints,
            stats.Requests, stats.FailedRequests, stats.LastLatency.TotalMilliseconds);
    }

    public NetworkDeliveryStats GetStats()
    {
        lock (_lock)
        {
            return new NetworkDeliveryStats(SinkName, _enqueued, _sent, _retried, _droppedFull, _droppedRejected, _droppedShutdown,
                _buffer.Count + _inFlight, _requests, _failedRequests, Interlocked.Read(ref _skippedFlushes), _gate.IsOpen,
                _lastLatency, _maxLatency, _totalLatency);
        }
    }

    private async Task SendWhileBudgetLastsAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var budget = deadline - _time.GetUtcNow() - _options.DeadlineMargin;
            if (budget < _options.MinimumRequestBudget) return;
            if (!_gate.MayAttempt(final)) return;
            var batch = TakeBatch();
            if (batch.Count == 0) return;

            var timeout = budget < _options.RequestTimeout ? budget : _options.RequestTimeout;
            var started = _time.GetTimestamp();
            var result = await ExportBoundedAsync(batch, timeout, cancellationToken).ConfigureAwait(false);
            RecordLatency(_time.GetElapsedTime(started));

            switch (result.Status)
            {
                case ExportStatus.Success when result.RejectedPoints > 0:
                    // Accepted in part: the backend says how many it refused, not which; those count as rejected.
                    var refused = (int)Math.Min(result.RejectedPoints, batch.Count);
                    Acknowledge(batch.Count - refused);
                    Reject(refused, $"partial success: {result.Detail ?? "no message"}", countRequest: false);
                    _gate.OnSuccess();
                    _failingLogged = false;
                    break;
                case ExportStatus.Success:
                    Acknowledge(batch.Count);
                    if (result.Detail is { } warning) LogWarningOnce(warning);
                    if (_gate.OnSuccess()) _log($"sink {SinkName}: backend answers again; circuit closed");
                    _failingLogged = false;
                    break;
                case ExportStatus.TooLarge when batch.Count > 1:
                    // Smaller requests from now on; the same points go out again at once, in halves.
                    ShrinkBatches(batch, result.Detail);
                    _gate.OnSuccess();
                    break;
                case ExportStatus.Rejected:
                case ExportStatus.TooLarge:
                    Reject(batch.Count, result.Detail);
                    // The backend answered: it is alive, so a rejection does not count toward the breaker.
                    _gate.OnSuccess();
                    break;
                default:
                    Requeue(batch);
                    var opened = _gate.OnFailure(result.RetryAfter);
                    LogFailure(result, batch.Count, opened);
                    return;
            }
        }
    }

    private async Task<ExportResult> ExportBoundedAsync(List<MetricPoint> batch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var requestCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        requestCts.CancelAfter(timeout);
        try
        {
            // WaitAsync bounds the wait even if a sink ignored its token: the deadline is a promise to the caller.
            return await _sink.ExportAsync(batch, requestCts.Token).WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            var reason = cancellationToken.IsCancellationRequested ? "cancelled" : $"no answer within {timeout.TotalMilliseconds:0} ms";
            return new ExportResult(ExportStatus.Retryable, reason);
        }
        catch (Exception ex)
        {
            return new ExportResult(ExportStatus.Retryable, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private List<MetricPoint> TakeBatch()
    {
        lock (_lock)
        {
            var count = Math.Min(_buffer.Count, _batchLimit);
            var batch = new List<MetricPoint>(count);
            for (var i = 0; i < count; i++)
            {
                batch.Add(_buffer.First!.Value);
                _buffer.RemoveFirst();
            }
            _inFlight = count;
            return batch;
        }
    }

    private void Acknowledge(int count)
    {
        lock (_lock)
        {
            _sent += count;
            _requests++;
            _inFlight = 0;
            _unloggedOverflow = 0;
        }
    }

    private void Reject(int count, string? detail, bool countRequest = true)
    {
        bool firstOfItsKind;
        lock (_lock)
        {
            _droppedRejected += count;
            if (countRequest)
            {
                _requests++;
                _failedRequests++;
            }
            _inFlight = 0;
            var key = detail ?? "rejected";
            firstOfItsKind = _loggedRejections.Count < MaxDistinctRejectionLogs && _loggedRejections.Add(key);
        }
        if (firstOfItsKind)
        {
            _log($"sink {SinkName}: backend rejected {count} points for good ({detail ?? "no detail"}); dropped and counted, further rejections of this kind are only counted");
        }
    }

    /// <summary>A success that carried a message (OTLP partial success without rejected points): logged once per text.</summary>
    private void LogWarningOnce(string warning)
    {
        bool first;
        lock (_lock) first = _loggedRejections.Count < MaxDistinctRejectionLogs && _loggedRejections.Add("warning: " + warning);
        if (first) _log($"sink {SinkName}: backend accepted the points with a warning: {warning}");
    }

    /// <summary>
    /// HTTP 413: the backend's request limit is below the batch size. Halves the batch limit (kept for the life of
    /// the delivery: the limit is the backend's) and puts the points back at the head without counting a failure.
    /// </summary>
    private void ShrinkBatches(List<MetricPoint> batch, string? detail)
    {
        int limit;
        lock (_lock)
        {
            for (var i = batch.Count - 1; i >= 0; i--) _buffer.AddFirst(batch[i]);
            _requests++;
            _inFlight = 0;
            _batchLimit = Math.Max(1, Math.Min(_batchLimit, batch.Count) / 2);
            limit = _batchLimit;
        }
        _log($"sink {SinkName}: the backend refused {batch.Count} points as too large ({detail ?? "HTTP 413"}); sending at most {limit} points per request from now on");
    }

    /// <summary>Puts a failed batch back at the head (it is the oldest data), then trims the buffer to its bound.</summary>
    private void Requeue(List<MetricPoint> batch)
    {
        lock (_lock)
        {
            for (var i = batch.Count - 1; i >= 0; i--) _buffer.AddFirst(batch[i]);
            _retried += batch.Count;
            _requests++;
            _failedRequests++;
            _inFlight = 0;
            var dropped = TrimOverflowLocked();
            _unloggedOverflow += dropped;
        }
    }

    /// <summary>
    /// Points in flight are not counted against the bound (they may be acknowledged in a moment); if their
    /// request fails they come back at the head and are then the first to go. So memory stays within
    /// MaxBufferedPoints + MaxBatchPoints, and the oldest data is what is dropped.
    /// </summary>
    private int TrimOverflowLocked()
    {
        var dropped = 0;
        while (_buffer.Count > _options.MaxBufferedPoints)
        {
            _buffer.RemoveFirst();
            dropped++;
        }
        _droppedFull += dropped;
        return dropped;
    }

    private void DropRemainingAtShutdown()
    {
        int remaining;
        lock (_lock)
        {
            remaining = _buffer.Count;
            _buffer.Clear();
            _droppedShutdown += remaining;
        }
        if (remaining > 0)
        {
            _log($"sink {SinkName}: {remaining} points could not be delivered before SHUTDOWN ended; dropped and counted");
        }
    }

    private void RecordLatency(TimeSpan latency)
    {
        lock (_lock)
        {
            _lastLatency = latency;
            if (latency > _maxLatency) _maxLatency = latency;
            _totalLatency += latency;
        }
    }

    private void LogFailure(ExportResult result, int count, bool circuitOpened)
    {
        var retryIn = (_gate.NextAttemptAt - _time.GetUtcNow()).TotalSeconds;
        var retryText = retryIn.ToString("0.#", CultureInfo.InvariantCulture);
        if (circuitOpened)
        {
            _log($"sink {SinkName}: circuit open after {_gate.ConsecutiveFailures} consecutive failures (last: {result.Detail}); nothing is sent for {retryText} s, points stay buffered");
        }
        else if (!_failingLogged)
        {
            _log($"sink {SinkName}: delivery failed ({result.Detail}); {count} points kept for a later flush, next attempt in {retryText} s");
        }
        _failingLogged = true;
    }
}
