namespace Pulse.Sources;

/// <summary>DogStatsD metric types Pulse aggregates (sets are not supported: they are counted as skipped).</summary>
public enum StatsdMetricType
{
    Counter,
    Gauge,
    Timer,
    Histogram,
    Distribution,
}
