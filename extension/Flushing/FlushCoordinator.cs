using System.Diagnostics;
using Pulse.Config;
using Pulse.Metrics;

namespace Pulse.Flushing;

/// <summary>
/// The flush stage: receives every derived point, hands it to each sink delivery, and decides when the
/// deliveries flush. <c>default</c>: a background loop flushes as soon as points arrive; <c>periodic</c>: a
/// timer; <c>end</c>: the lifecycle loop calls <see cref="FlushAsync"/> before /next. Every flush runs all
/// deliveries side by side and returns by its deadline (the invocation's deadline minus
/// <see cref="DeadlineMargin"/>), so neither a slow sink nor a slow flush can hold /next.
/// </summary>
public sealed class FlushCoordinator : IMetricPublisher, IAsyncDisposable
{
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(50);
    /// <summary>Deadline of a background flush when no invocation is running (INIT, between invocations).</summary>
    public static readonly TimeSpan IdleFlushBudget = TimeSpan.FromMilliseconds(1000);
    private const int MaxLatencySamples = 100;

    private readonly IReadOnlyList<ISinkDelivery> _deliveries;
    private readonly FlushStrategy _strategy;
    private readonly Func<long> _currentDeadlineMs;
    private readonly PulseLog _log;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<double> _latencies = new(MaxLatencySamples);
    private readonly object _latencyGate = new();
    private readonly HeapTrimmer _heap = new();
    private int _signalled;
    private Task? _loop;

    public FlushCoordinator(IReadOnlyList<ISinkDelivery> deliveries, FlushStrategy strategy, Func<long> currentDeadlineMs, PulseLog log)
    {
        _deliveries = deliveries;
        _strategy = strategy;
        _currentDeadlineMs = currentDeadlineMs;
        _log = log;
    }

    public IReadOnlyList<ISinkDelivery> Deliveries => _deliveries;
    public FlushStrategy Strategy => _strategy;

    /// <summary>Starts the background flushing of <c>default</c> and <c>periodic</c>.</summary>
    public void Start()
    {
        _loop = _strategy.Mode switch
        {
            FlushMode.Default => Task.Run(SignalLoopAsync),
            FlushMode.Periodic => Task.Run(PeriodicLoopAsync),
            _ => null,
        };
    }

    public void Publish(IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0) return;
        foreach (var delivery in _deliveries)
        {
            try
            {
                delivery.Enqueue(points);
            }
            catch (Exception e)
            {
                _log.Once(LogLevel.Error, $"enqueue-{delivery.SinkName}", $"sink {delivery.SinkName}: enqueue failed ({e.GetType().Name}: {e.Message})");
            }
        }
        if (_strategy.Mode == FlushMode.Default && Interlocked.Exchange(ref _signalled, 1) == 0) _signal.Release();
    }

    /// <summary>The deadline of a flush started now: the running invocation's deadline minus the margin.</summary>
    public DateTimeOffset BackgroundDeadline()
    {
        var now = DateTimeOffset.UtcNow;
        var deadlineMs = _currentDeadlineMs();
        if (deadlineMs > 0)
        {
            var deadline = DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs) - DeadlineMargin;
            if (deadline > now) return deadline;
        }
        return now + IdleFlushBudget;
    }

    /// <summary>
    /// Flushes every delivery side by side; returns by <paramref name="deadline"/> whatever they do.
    /// <paramref name="final"/>: the SHUTDOWN flush, after which nothing is retried.
    /// </summary>
    public async Task FlushAsync(DateTimeOffset deadline, bool final = false, CancellationToken cancellationToken = default)
    {
        var remaining = deadline - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero) return;
        var started = Stopwatch.GetTimestamp();
        try
        {
            Task flush;
            if (_deliveries.Count == 1)
            {
                flush = _deliveries[0].FlushAsync(deadline, final, cancellationToken);
            }
            else
            {
                var tasks = new Task[_deliveries.Count];
                for (var i = 0; i < tasks.Length; i++) tasks[i] = _deliveries[i].FlushAsync(deadline, final, cancellationToken);
                flush = Task.WhenAll(tasks);
            }
            await flush.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Once(LogLevel.Warn, "flush-deadline", "a flush reached its deadline before every sink finished; the rest stays buffered");
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _log.Once(LogLevel.Error, "flush-failed", $"flush failed ({e.GetType().Name}: {e.Message})");
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (_latencyGate)
            {
                if (_latencies.Count < MaxLatencySamples) _latencies.Add(elapsed);
            }
            if (_strategy.Mode != FlushMode.End) _heap.AfterFlush();
        }
    }

    /// <summary>In end mode the flush is on the /next path: the lifecycle trims the heap after /next instead.</summary>
    public void TrimHeap() => _heap.AfterFlush();

    /// <summary>The flush latencies measured since the last call (at most 100), for self-metrics.</summary>
    public double[] TakeLatencies()
    {
        lock (_latencyGate)
        {
            var copy = _latencies.ToArray();
            _latencies.Clear();
            return copy;
        }
    }

    private async Task SignalLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            // No token on the wait (it would register a cancellation callback per invocation): Dispose releases it.
            await _signal.WaitAsync().ConfigureAwait(false);
            if (token.IsCancellationRequested) return;
            Volatile.Write(ref _signalled, 0);
            await FlushAsync(BackgroundDeadline(), cancellationToken: token).ConfigureAwait(false);
        }
    }

    private async Task PeriodicLoopAsync()
    {
        var token = _stopping.Token;
        using var timer = new PeriodicTimer(_strategy.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                await FlushAsync(BackgroundDeadline(), cancellationToken: token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops background flushing (the final flush is the caller's, with its own deadline).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _signal.Release();
        if (_loop is not null)
        {
            try { await _loop.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false); }
            catch (Exception) { /* it ends on its own; nothing waits for it */ }
        }
    }
}
