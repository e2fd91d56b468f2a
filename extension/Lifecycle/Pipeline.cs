using Pulse.Config;
using Pulse.Flushing;
using Pulse.Invocations;
using Pulse.Sources;

namespace Pulse.Lifecycle;

/// <summary>Everything built after the first /next: settings, sinks, flushing, the tracker, custom metrics.</summary>
internal sealed record Pipeline(
    PulseSettings Settings,
    InvocationTracker Tracker,
    SandboxTags Tags,
    FlushCoordinator Flusher,
    CustomMetricAggregator? CustomMetrics,
    DogStatsDListener? DogStatsD);
