namespace Pulse.Benchmarks.Micro;

/// <summary>The micro-benchmarks of figure 6, and what of Pulse's core is not there yet to benchmark.</summary>
public static class MicroCatalog
{
    private const int BatchEvents = GenericJsonParseBenchmark.Invocations * TelemetryBatches.EventsPerInvocation;

    public static IReadOnlyList<MicroCase> Cases { get; } =
    [
        new(typeof(GenericJsonParseBenchmark), nameof(GenericJsonParseBenchmark.ParseWithJsonDocument), "telemetry batch parse", "System.Text.Json JsonDocument", BatchEvents),
    ];

    public static string? Missing => "Pulse's telemetry parser, metric derivation and EMF encoder are not on main yet";
}
