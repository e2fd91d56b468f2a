using System.Globalization;

namespace Pulse.Flushing;

/// <summary>
/// Limits of the buffered delivery shared by every network sink. Defaults suit a Lambda sandbox: a buffer
/// that holds minutes of a busy function, requests short enough that a slow backend never costs an
/// invocation more than its flush budget, and a breaker that makes a dead backend free.
/// </summary>
public sealed record NetworkDeliveryOptions
{
    /// <summary>Points kept per sink until acknowledged (PULSE_BUFFER_MAX_POINTS); the oldest are dropped beyond it.</summary>
    public int MaxBufferedPoints { get; init; } = 10_000;

    /// <summary>Points per request; a large backlog goes out as several requests while the budget lasts.</summary>
    public int MaxBatchPoints { get; init; } = 1_000;

    /// <summary>Upper bound of one request (PULSE_REQUEST_TIMEOUT_MS), whatever the flush budget.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(2_000);

    /// <summary>Kept free before the flush deadline, so that the caller gets control back before it.</summary>
    public TimeSpan DeadlineMargin { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A request with less time than this is not started (it could only time out).</summary>
    public TimeSpan MinimumRequestBudget { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Wait before the first retry; doubles per consecutive failure up to MaxBackoff.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed requests that open the circuit.</summary>
    public int BreakerFailureThreshold { get; init; } = 5;

    /// <summary>How long an open circuit sends nothing before one probe; doubles after a failed probe up to MaxBreakerOpenDuration.</summary>
    public TimeSpan BreakerOpenDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxBreakerOpenDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A server's Retry-After is honoured up to this bound (a hostile value must not silence a sink for days).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(10);

    public const string BufferMaxPointsVariable = "PULSE_BUFFER_MAX_POINTS";
    public const string RequestTimeoutVariable = "PULSE_REQUEST_TIMEOUT_MS";

    /// <summary>
    /// Reads PULSE_REQUEST_TIMEOUT_MS, and PULSE_BUFFER_MAX_POINTS unless the caller already read it
    /// (<paramref name="maxBufferedPoints"/>); a bad value is reported in one line and the default kept.
    /// </summary>
    public static NetworkDeliveryOptions FromEnvironment(Func<string, string?> getVariable, Action<string> log, int? maxBufferedPoints = null)
    {
        var defaults = new NetworkDeliveryOptions();
        var maxPoints = maxBufferedPoints is { } given ? Math.Max(1, given)
            : ReadPositiveInt(getVariable, log, BufferMaxPointsVariable, defaults.MaxBufferedPoints, 10, 10_000_000);
        var timeoutMs = ReadPositiveInt(getVariable, log, RequestTimeoutVariable, (int)defaults.RequestTimeout.TotalMilliseconds, 10, 600_000);
        return defaults with
        {
            MaxBufferedPoints = maxPoints,
            MaxBatchPoints = Math.Min(defaults.MaxBatchPoints, maxPoints),
            RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
        };
    }

    private static int ReadPositiveInt(Func<string, string?> getVariable, Action<string> log, string name, int fallback, int min, int max)
    {
        var raw = getVariable(name);
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (int.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        log($"{name}='{raw}' is not a whole number between {min} and {max}; using {fallback}");
        return fallback;
    }
}
