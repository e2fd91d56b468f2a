namespace Pulse.Metrics;

/// <summary>
/// The one list of metrics Pulse emits: short name, base unit, kind, description. Values are in base
/// units (durations in ms, memory in MB, sizes in bytes, cost in USD, counts); each sink converts.
/// Sinks prefix the names as their backend expects (EMF uses them as they are).
/// </summary>
public static class MetricCatalog
{
    // Enhanced metrics: one set per invocation, derived from the platform's events.
    public static MetricDefinition Invocations { get; } = new("invocations", MetricUnit.Count, MetricKind.Counter, "Invocations received (INVOKE events).");
    public static MetricDefinition Errors { get; } = new("errors", MetricUnit.Count, MetricKind.Counter, "Invocations whose runtime status was not success (error, failure or timeout).");
    public static MetricDefinition Timeouts { get; } = new("timeouts", MetricUnit.Count, MetricKind.Counter, "Invocations that hit the function timeout.");
    public static MetricDefinition OutOfMemory { get; } = new("out_of_memory", MetricUnit.Count, MetricKind.Counter, "Invocations that ran out of memory (Runtime.OutOfMemory, a runtime's OOM log line, or max memory used reaching the memory size), once per request.");
    public static MetricDefinition Duration { get; } = new("duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Invocation duration from platform.report (runtime plus extensions).");
    public static MetricDefinition BilledDuration { get; } = new("billed_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Billed duration from platform.report.");
    public static MetricDefinition RuntimeDuration { get; } = new("runtime_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Runtime part of the invocation (platform.runtimeDone durationMs).");
    public static MetricDefinition PostRuntimeDuration { get; } = new("post_runtime_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Time extensions added after the runtime finished: report.durationMs minus runtimeDone.durationMs.");
    public static MetricDefinition InitDuration { get; } = new("init_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "INIT phase duration (platform.initReport, else report.initDurationMs), once per sandbox.");
    public static MetricDefinition ResponseLatency { get; } = new("response_latency", MetricUnit.Milliseconds, MetricKind.Distribution, "Invoke start to the first response byte (runtimeDone span responseLatency).");
    public static MetricDefinition ResponseDuration { get; } = new("response_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "Time to send the response (runtimeDone span responseDuration).");
    public static MetricDefinition RuntimeOverhead { get; } = new("runtime_overhead", MetricUnit.Milliseconds, MetricKind.Distribution, "Response sent to the runtime's next /next (runtimeDone span runtimeOverhead).");
    public static MetricDefinition ProducedBytes { get; } = new("produced_bytes", MetricUnit.Bytes, MetricKind.Distribution, "Bytes of the function's response (runtimeDone producedBytes).");
    public static MetricDefinition MaxMemoryUsed { get; } = new("max_memory_used", MetricUnit.Megabytes, MetricKind.Distribution, "Peak memory of the sandbox during the invocation (report maxMemoryUsedMB).");
    public static MetricDefinition MemorySize { get; } = new("memorysize", MetricUnit.Megabytes, MetricKind.Distribution, "Configured memory size (report memorySizeMB).");
    public static MetricDefinition EstimatedCost { get; } = new("estimated_cost", MetricUnit.Usd, MetricKind.Distribution, "Estimated cost of the invocation: request price plus GB-seconds of billed duration (and billed INIT or restore) at the region's and architecture's price.");
    public static MetricDefinition Shutdowns { get; } = new("shutdowns", MetricUnit.Count, MetricKind.Counter, "SHUTDOWN events received (one per sandbox).");
    public static MetricDefinition UnusedInit { get; } = new("unused_init", MetricUnit.Count, MetricKind.Counter, "Sandboxes shut down without ever serving an invocation.");
    public static MetricDefinition SnapStartRestoreDuration { get; } = new("snapstart_restore_duration", MetricUnit.Milliseconds, MetricKind.Distribution, "SnapStart restore duration (platform.restoreReport, else report.restoreDurationMs).");

    // Self-metrics: how Pulse itself is doing (PULSE_SELF_METRICS).
    public static MetricDefinition ReadyTime { get; } = new("pulse_ready_time", MetricUnit.Milliseconds, MetricKind.Distribution, "Pulse start-up: process start (exec) to the first /next request.");
    public static MetricDefinition FlushLatency { get; } = new("pulse_flush_latency", MetricUnit.Milliseconds, MetricKind.Distribution, "Duration of Pulse's flushes (the slowest sink of each flush).");
    public static MetricDefinition TelemetryEvents { get; } = new("pulse_telemetry_events", MetricUnit.Count, MetricKind.Counter, "Telemetry API records received.");
    public static MetricDefinition TelemetryMalformed { get; } = new("pulse_telemetry_malformed", MetricUnit.Count, MetricKind.Counter, "Telemetry records or batches that could not be parsed, or of an unknown type; skipped.");
    public static MetricDefinition TelemetryDropped { get; } = new("pulse_telemetry_dropped", MetricUnit.Count, MetricKind.Counter, "Telemetry records the platform dropped (platform.logsDropped droppedRecords).");
    public static MetricDefinition LateReports { get; } = new("pulse_late_reports", MetricUnit.Count, MetricKind.Counter, "platform.report records that arrived after Pulse had given up on their invocation.");
    public static MetricDefinition PointsDropped { get; } = new("pulse_points_dropped", MetricUnit.Count, MetricKind.Counter, "Points a sink delivery dropped (buffer full, rejected, or never acknowledged).");

    /// <summary>The enhanced metrics, in catalog order.</summary>
    public static IReadOnlyList<MetricDefinition> Enhanced { get; } =
    [
        Invocations, Errors, Timeouts, OutOfMemory, Duration, BilledDuration, RuntimeDuration, PostRuntimeDuration,
        InitDuration, ResponseLatency, ResponseDuration, RuntimeOverhead, ProducedBytes, MaxMemoryUsed, MemorySize,
        EstimatedCost, Shutdowns, UnusedInit, SnapStartRestoreDuration,
    ];

    public static IReadOnlyList<MetricDefinition> Self { get; } =
        [ReadyTime, FlushLatency, TelemetryEvents, TelemetryMalformed, TelemetryDropped, LateReports, PointsDropped];

    public static IReadOnlyList<MetricDefinition> All { get; } = [.. Enhanced, .. Self];

    /// <summary>The catalog entry with this name, or null.</summary>
    public static MetricDefinition? Find(string name)
    {
        foreach (var definition in All)
        {
            if (string.Equals(definition.Name, name, StringComparison.Ordinal)) return definition;
        }
        return null;
    }
}
