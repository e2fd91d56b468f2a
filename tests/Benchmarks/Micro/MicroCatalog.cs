namespace Pulse.Benchmarks.Micro;

/// <summary>The micro-benchmarks of figure 6, and what of Pulse's core is not there yet to benchmark.</summary>
public static class MicroCatalog
{
    private const int BatchEnvelopes = GenericJsonParseBenchmark.Invocations * TelemetryBatches.EventsPerInvocation;

    /// <summary>Pulse's rows use the variant "pulse"; the generic parse is the baseline of the parse row.</summary>
    public static IReadOnlyList<MicroCase> Cases { get; } =
    [
#if PULSE_CORE
        new(typeof(PulseTelemetryParseBenchmark), nameof(PulseTelemetryParseBenchmark.ParseBatch), "telemetry batch parse", "pulse", () => BatchEnvelopes),
        new(typeof(PulseMetricDerivationBenchmark), nameof(PulseMetricDerivationBenchmark.DeriveOneInvocation), "metric derivation (1 invocation)", "pulse", () => PulseMetricDerivationBenchmark.EventsPerInvocation),
        new(typeof(PulseEmfEncodeBenchmark), nameof(PulseEmfEncodeBenchmark.EncodeOneInvocation), "EMF encode (1 invocation; events = points)", "pulse", () => PulseEmfEncodeBenchmark.PointsPerInvocation),
#endif
        new(typeof(GenericJsonParseBenchmark), nameof(GenericJsonParseBenchmark.ParseWithJsonDocument), "telemetry batch parse", "System.Text.Json JsonDocument", () => BatchEnvelopes),
    ];

#if PULSE_CORE
    public static string? Missing => null;
#else
    public static string? Missing => "Pulse's telemetry parser, invocation tracker and EMF sink (extension/Telemetry, Invocations, Sinks/Emf) are not in this tree";
#endif
}
