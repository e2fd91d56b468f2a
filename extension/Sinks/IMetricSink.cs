using Pulse.Metrics;

namespace Pulse.Sinks;

/// <summary>
/// A sink turns a batch of points into its wire format and sends it, nothing more (DESIGN.md: sinks as
/// one small interface). Retry, back-off, deadlines and the circuit breaker live once, in Flushing/,
/// which calls every sink. ExportAsync must honour the token and must not throw for a remote failure:
/// it reports it in the result.
/// </summary>
public interface IMetricSink
{
    /// <summary>The name used in PULSE_SINKS and in log lines and self-metrics (emf, otlp, datadog).</summary>
    string Name { get; }

    Task<ExportResult> ExportAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken);
}
