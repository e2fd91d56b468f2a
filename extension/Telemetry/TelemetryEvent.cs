namespace Pulse.Telemetry;

/// <summary>
/// One platform event from the Telemetry API, typed. The set is closed: every record type Pulse uses has
/// a derived record below; known types it does not use and unknown types are counted, not modelled.
/// <see cref="Time"/> is the envelope's <c>time</c>: when the platform generated the event.
/// </summary>
public abstract record TelemetryEvent(DateTimeOffset Time);

/// <summary>platform.initStart: INIT began (also re-run inside the first invoke after a failed init, phase "invoke").</summary>
public sealed record InitStartEvent(DateTimeOffset Time, string? InitializationType, string? Phase, string? RuntimeVersion) : TelemetryEvent(Time);

/// <summary>platform.initRuntimeDone: the runtime finished its init.</summary>
public sealed record InitRuntimeDoneEvent(DateTimeOffset Time, string? InitializationType, string? Phase, string? Status, string? ErrorType) : TelemetryEvent(Time);

/// <summary>platform.initReport: INIT ended; metrics.durationMs is the INIT duration.</summary>
public sealed record InitReportEvent(DateTimeOffset Time, string? InitializationType, string? Phase, string? Status, string? ErrorType, double? DurationMs) : TelemetryEvent(Time);

/// <summary>platform.restoreStart: a SnapStart restore began.</summary>
public sealed record RestoreStartEvent(DateTimeOffset Time) : TelemetryEvent(Time);

/// <summary>platform.restoreRuntimeDone: the runtime's restore hooks finished.</summary>
public sealed record RestoreRuntimeDoneEvent(DateTimeOffset Time, string? Status, string? ErrorType) : TelemetryEvent(Time);

/// <summary>platform.restoreReport: the restore ended; metrics.durationMs is its duration.</summary>
public sealed record RestoreReportEvent(DateTimeOffset Time, string? Status, string? ErrorType, double? DurationMs) : TelemetryEvent(Time);

/// <summary>platform.start: invocation <see cref="RequestId"/> began.</summary>
public sealed record StartEvent(DateTimeOffset Time, string RequestId, string? Version) : TelemetryEvent(Time);

/// <summary>platform.runtimeDone: the runtime finished the invocation (or it was reset on a timeout or failure).</summary>
public sealed record RuntimeDoneEvent(
    DateTimeOffset Time,
    string RequestId,
    string? Status,
    string? ErrorType,
    double? DurationMs,
    double? ProducedBytes,
    double? ResponseLatencyMs,
    double? ResponseDurationMs,
    double? RuntimeOverheadMs) : TelemetryEvent(Time);

/// <summary>platform.report: the invocation is over, runtime and extensions; arrives during the next invocation or after SHUTDOWN.</summary>
public sealed record ReportEvent(
    DateTimeOffset Time,
    string RequestId,
    string? Status,
    string? ErrorType,
    double? DurationMs,
    double? BilledDurationMs,
    double? MemorySizeMb,
    double? MaxMemoryUsedMb,
    double? InitDurationMs,
    double? RestoreDurationMs,
    double? BilledRestoreDurationMs) : TelemetryEvent(Time);

/// <summary>platform.logsDropped: the platform dropped records because the consumer was slow.</summary>
public sealed record LogsDroppedEvent(DateTimeOffset Time, double DroppedRecords, double DroppedBytes, string? Reason) : TelemetryEvent(Time);

/// <summary>A function log line matching a runtime's out-of-memory message; RequestId when the line names one.</summary>
public sealed record OutOfMemoryLogEvent(DateTimeOffset Time, string? RequestId) : TelemetryEvent(Time);
