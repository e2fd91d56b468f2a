namespace Pulse.Flushing;

/// <summary>
/// Decides whether a sink may send now: exponential back-off after a failure (spread over later flushes,
/// never slept on), a server's Retry-After, and a circuit breaker that opens after repeated failures and
/// lets one probe through when its open period ends (half-open). Not thread-safe: the delivery calls it
/// from one flush at a time.
/// </summary>
internal sealed class NetworkRetryGate(NetworkDeliveryOptions options, TimeProvider time)
{
    private int _consecutiveFailures;
    private DateTimeOffset _nextAttemptAt = DateTimeOffset.MinValue;
    private TimeSpan _currentOpenDuration = options.BreakerOpenDuration;

    public bool IsOpen { get; private set; }

    public int ConsecutiveFailures => _consecutiveFailures;

    public DateTimeOffset NextAttemptAt => _nextAttemptAt;

    /// <summary>
    /// True when a request may start. An open circuit allows nothing until its period ends; a final
    /// (SHUTDOWN) flush skips a pending back-off of a closed circuit because there is no later flush.
    /// </summary>
    public bool MayAttempt(bool final)
    {
        if (IsOpen) return time.GetUtcNow() >= _nextAttemptAt;
        return final || time.GetUtcNow() >= _nextAttemptAt;
    }

    /// <summary>Records a success; returns true when it closed an open circuit (worth one log line).</summary>
    public bool OnSuccess()
    {
        var wasOpen = IsOpen;
        _consecutiveFailures = 0;
        _nextAttemptAt = DateTimeOffset.MinValue;
        _currentOpenDuration = options.BreakerOpenDuration;
        IsOpen = false;
        return wasOpen;
    }

    /// <summary>Records a failure; returns true when this failure opened the circuit (worth one log line).</summary>
    public bool OnFailure(TimeSpan? retryAfter)
    {
        _consecutiveFailures++;
        var wasOpen = IsOpen;
        TimeSpan delay;
        if (_consecutiveFailures >= options.BreakerFailureThreshold)
        {
            // A failed half-open probe doubles the open period: a backend that stays down costs less and less.
            if (wasOpen) _currentOpenDuration = Min(_currentOpenDuration * 2, options.MaxBreakerOpenDuration);
            delay = _currentOpenDuration;
            IsOpen = true;
        }
        else
        {
            var exponential = options.InitialBackoff * Math.Pow(2, _consecutiveFailures - 1);
            // Jitter (±20 %) keeps many sandboxes of one function from retrying in step.
            delay = Min(exponential, options.MaxBackoff) * (0.8 + 0.4 * Random.Shared.NextDouble());
        }
        if (retryAfter is { } serverDelay && serverDelay > delay) delay = Min(serverDelay, options.MaxRetryAfter);
        _nextAttemptAt = time.GetUtcNow() + delay;
        return IsOpen && !wasOpen;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
