using Pulse.Metrics;

namespace Pulse.Flushing;

/// <summary>
/// The delivery of points to one sink: buffering, deadlines and the acked/dropped bookkeeping live here,
/// the wire format lives in the sink (<see cref="Pulse.Sinks.IMetricSink"/>). The flush path calls every
/// delivery; a delivery must never hold the caller longer than the deadline it is given, so a slow or
/// hung backend can never hold <c>/next</c>.
/// </summary>
public interface ISinkDelivery
{
    /// <summary>The sink's name as written in PULSE_SINKS (emf, otlp, datadog).</summary>
    string SinkName { get; }

    /// <summary>
    /// Hands points over for delivery. Must not block, must not throw and must not do I/O: it only
    /// buffers. A bounded buffer drops the oldest points when full and counts them as dropped. The list
    /// is owned by the caller after the call returns: copy what you keep.
    /// </summary>
    void Enqueue(IReadOnlyList<MetricPoint> points);

    /// <summary>
    /// Sends what is buffered. Returns by <paramref name="deadline"/> (or when cancelled) whatever the
    /// backend does; points not acknowledged by then stay buffered for the next flush (or are counted as
    /// dropped when the buffer is full or the delivery gives up on them). Must not throw. May be called
    /// again while a previous call is still running (background flush and the SHUTDOWN flush): serialize
    /// internally. The caller also stops waiting at the deadline, so a call that overruns it only wastes
    /// its own work. <paramref name="final"/> is the SHUTDOWN flush: there is no later flush, so a pending
    /// back-off is ignored and what cannot be sent by the deadline is counted as dropped.
    /// </summary>
    Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken);

    /// <summary>A snapshot of the counters, for self-metrics and the shutdown summary line.</summary>
    DeliveryStats GetStats();
}
