using Pulse.Config;
using Pulse.Metrics;
using Pulse.Telemetry;

namespace Pulse.Invocations;

/// <summary>
/// State per request id, from INVOKE and the telemetry events, turned into the enhanced metrics of
/// each invocation. Events may come in any order (REPORT before runtimeDone, duplicates, REPORT of N
/// during N+1 or after SHUTDOWN, or never); memory is bounded: at most <see cref="MaxTrackedInvocations"/>
/// live states (the oldest is given up when full) and the last <see cref="RememberedCompletions"/> request
/// ids to recognise duplicates and late REPORTs. State objects are pooled.
///
/// Emission: an invocation's points leave together when its REPORT arrives (one EMF line per
/// invocation); with <c>emitRuntimeDoneEarly</c> (PULSE_FLUSH=end) the runtimeDone-derived points leave
/// at runtimeDone and the REPORT-derived ones later. Without telemetry only <c>invocations</c> exists and
/// leaves at INVOKE. Thread-safe: every entry point takes one lock.
/// </summary>
public sealed class InvocationTracker
{
    public const int MaxTrackedInvocations = 256;
    public const int RememberedCompletions = 256;
    /// <summary>An on-demand sandbox first invoked this long after start was initialised proactively: no cold start.</summary>
    public static readonly TimeSpan ProactiveInitThreshold = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly Dictionary<string, InvocationState> _states = new(StringComparer.Ordinal);
    private readonly LinkedList<InvocationState> _order = new();
    private readonly Stack<InvocationState> _pool = new();
    private readonly Dictionary<string, bool> _completed = new(StringComparer.Ordinal);
    private readonly Queue<string> _completedOrder = new();
    private readonly List<MetricPoint> _scratch = new(32);
    /// <summary>INIT and restore points seen before the first invocation: they join its line (cold start) when it comes.</summary>
    private readonly List<MetricPoint> _beforeFirstInvocation = [];
    private readonly IMetricPublisher _publisher;
    private readonly SandboxTags _tags;
    private readonly CostEstimator _cost;
    private readonly PulseLog _log;
    private readonly DateTimeOffset _processStart;
    private readonly double _configuredMemoryMb;

    private ICustomMetricDrain? _custom;
    private string? _currentId;
    private bool _currentCold;
    private string? _timeoutCountedFor;
    private long _currentDeadlineMs;
    private string? _firstRequestId;
    private bool _anyState;
    private bool _anyInvoke;
    private bool _initDurationEmitted;
    private string? _initPhaseEmitted;
    private bool _restoreDurationEmitted;
    private int _owedReports;
    private TaskCompletionSource? _owedReportsDrained;
    private long _lateReports, _duplicates, _givenUp;

    public InvocationTracker(IMetricPublisher publisher, SandboxTags tags, CostEstimator cost, PulseLog log,
        DateTimeOffset processStart, double configuredMemoryMb, bool emitRuntimeDoneEarly = false, bool telemetryAvailable = true)
    {
        _publisher = publisher;
        _tags = tags;
        _cost = cost;
        _log = log;
        _processStart = processStart;
        _configuredMemoryMb = configuredMemoryMb;
        EmitRuntimeDoneEarly = emitRuntimeDoneEarly;
        TelemetryAvailable = telemetryAvailable;
    }

    public bool EmitRuntimeDoneEarly { get; }

    /// <summary>False when the Telemetry API subscription failed: nothing but INVOKE will come.</summary>
    public bool TelemetryAvailable { get; set; }

    public long LateReports => Interlocked.Read(ref _lateReports);
    public long DuplicateEvents => Interlocked.Read(ref _duplicates);
    /// <summary>Invocations flushed without their REPORT (evicted when full, or at SHUTDOWN).</summary>
    public long GivenUp => Interlocked.Read(ref _givenUp);

    public int TrackedCount
    {
        get { lock (_gate) return _states.Count; }
    }

    public int RememberedCount
    {
        get { lock (_gate) return _completed.Count; }
    }

    /// <summary>Invocations received whose REPORT has not arrived yet.</summary>
    public int OwedReports
    {
        get { lock (_gate) return _owedReports; }
    }

    /// <summary>The deadline (ms epoch) of the invocation in progress, 0 when none.</summary>
    public long CurrentDeadlineMs
    {
        get { lock (_gate) return _currentDeadlineMs; }
    }

    public string? CurrentRequestId
    {
        get { lock (_gate) return _currentId; }
    }

    public void AttachCustomMetrics(ICustomMetricDrain drain)
    {
        lock (_gate) _custom = drain;
    }

    public void SetAccountId(string? accountId)
    {
        lock (_gate) _tags.AccountId = accountId ?? "none";
    }

    // ---- Extensions API events -------------------------------------------------------------

    public void OnInvoke(string requestId, long deadlineMs, DateTimeOffset receivedAt)
    {
        lock (_gate)
        {
            DrainCustomOfCurrent();
            var state = GetOrCreate(requestId, receivedAt);
            if (state is null || state.Invoked)
            {
                _duplicates++;
                return;
            }
            state.Invoked = true;
            state.DeadlineMs = deadlineMs;
            if (receivedAt < state.FirstSeen) state.FirstSeen = receivedAt;
            _currentId = requestId;
            _currentCold = state.ColdStart;
            _currentDeadlineMs = deadlineMs;
            _anyInvoke = true;
            if (!TelemetryAvailable)
            {
                // No runtimeDone or REPORT will ever come: invocations is all there is, and it is complete now.
                EmitCounters(state, state.FirstSeen, status: null);
                Publish(state.Held);
                Complete(state, gotReport: true);
                return;
            }
            _owedReports++;
        }
    }

    /// <summary>
    /// SHUTDOWN with reason timeout: the platform reset the sandbox, and the runtimeDone/REPORT with status
    /// timeout of the invocation in progress may never reach this process (spec §3.3, §4.7). That invocation
    /// (INVOKE received, no runtimeDone) is counted as a timeout and an error, at the SHUTDOWN's time. Its points
    /// stay held until <see cref="CompleteAll"/>; a runtimeDone or REPORT arriving later finds the counters
    /// already emitted (or the request remembered), so the timeout is counted once. True when one was counted.
    /// </summary>
    public bool OnTimeoutShutdown(DateTimeOffset time)
    {
        lock (_gate)
        {
            if (!TelemetryAvailable)
            {
                // Without telemetry the invocation was counted at INVOKE and nothing else is known of it; a
                // SHUTDOWN for timeout is the one outcome that still names it: one timeout, one error.
                if (_currentId is null || _currentId == _timeoutCountedFor) return false;
                _timeoutCountedFor = _currentId;
                var tags = _tags.For(_currentCold);
                _scratch.Clear();
                _scratch.Add(new MetricPoint(MetricCatalog.Errors, 1, time, tags, _currentId));
                _scratch.Add(new MetricPoint(MetricCatalog.Timeouts, 1, time, tags, _currentId));
                Publish(_scratch);
                return true;
            }
            if (_currentId is null || !_states.TryGetValue(_currentId, out var state)) return false;
            if (!state.Invoked || state.RuntimeDone || state.CountersEmitted) return false;
            state.Status = "timeout";
            EmitCounters(state, time, "timeout");
            return true;
        }
    }

    /// <summary>SHUTDOWN: the sandbox-level points (shutdowns, unused_init).</summary>
    public void OnShutdown(DateTimeOffset time)
    {
        lock (_gate)
        {
            var tags = _tags.For(null);
            _scratch.Clear();
            _scratch.Add(new MetricPoint(MetricCatalog.Shutdowns, 1, time, tags));
            _scratch.Add(new MetricPoint(MetricCatalog.UnusedInit, _anyInvoke ? 0 : 1, time, tags));
            Publish(_scratch);
        }
    }

    /// <summary>Completes when every owed REPORT has arrived, or after <paramref name="timeout"/>; true when none is owed.</summary>
    public async Task<bool> WaitForOwedReportsAsync(TimeSpan timeout)
    {
        Task wait;
        lock (_gate)
        {
            if (_owedReports <= 0) return true;
            _owedReportsDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _owedReportsDrained.Task;
        }
        try
        {
            await wait.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>For PULSE_FLUSH=end: completes when runtimeDone of <paramref name="requestId"/> was handled, or after the timeout.</summary>
    public async Task<bool> WaitForRuntimeDoneAsync(string requestId, TimeSpan timeout)
    {
        Task wait;
        lock (_gate)
        {
            if (!TelemetryAvailable || !_states.TryGetValue(requestId, out var state) || state.RuntimeDone) return true;
            state.RuntimeDoneSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = state.RuntimeDoneSignal.Task;
        }
        if (timeout <= TimeSpan.Zero) return false;
        try
        {
            await wait.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Flushes every invocation still tracked, with what it has (SHUTDOWN, after the wait for REPORTs).</summary>
    public void CompleteAll()
    {
        lock (_gate)
        {
            DrainCustomOfCurrent();
            while (_order.First is { } node) GiveUp(node.Value);
            if (_beforeFirstInvocation.Count > 0)
            {
                // INIT without any invocation (unused init): its points leave on their own.
                var tags = _tags.For(null);
                _scratch.Clear();
                foreach (var point in _beforeFirstInvocation) _scratch.Add(point with { Tags = tags });
                _beforeFirstInvocation.Clear();
                Publish(_scratch);
            }
            if (_custom is not null)
            {
                // Custom metrics sent outside any invocation (during INIT, or with no INVOKE at all).
                _scratch.Clear();
                _custom.Drain(_scratch, null, _tags.For(null));
                Publish(_scratch);
            }
        }
    }

    // ---- Telemetry events ------------------------------------------------------------------

    public void OnTelemetry(TelemetryEvent telemetryEvent)
    {
        lock (_gate)
        {
            switch (telemetryEvent)
            {
                case StartEvent e: OnStart(e); break;
                case RuntimeDoneEvent e: OnRuntimeDone(e); break;
                case ReportEvent e: OnReport(e); break;
                case OutOfMemoryLogEvent e: OnOutOfMemoryLog(e); break;
                case InitStartEvent e: OnInitStart(e); break;
                case InitRuntimeDoneEvent e: OnInitRuntimeDone(e); break;
                case InitReportEvent e: OnInitReport(e); break;
                case RestoreStartEvent: _tags.SetInitType("snap-start"); break;
                case RestoreRuntimeDoneEvent e: OnRestoreRuntimeDone(e); break;
                case RestoreReportEvent e: OnRestoreReport(e); break;
                case LogsDroppedEvent e:
                    _log.Once(LogLevel.Warn, "logs-dropped",
                        $"the platform dropped {e.DroppedRecords} telemetry records ({e.Reason}); some metrics may be missing");
                    break;
            }
        }
    }

    private void OnStart(StartEvent e)
    {
        var state = GetOrCreate(e.RequestId, e.Time);
        if (state is null || state.StartTime is not null)
        {
            _duplicates++;
            return;
        }
        state.StartTime = e.Time;
        if (e.Time < state.FirstSeen) state.FirstSeen = e.Time;
    }

    private void OnRuntimeDone(RuntimeDoneEvent e)
    {
        var state = GetOrCreate(e.RequestId, e.Time);
        if (state is null || state.RuntimeDone)
        {
            _duplicates++;
            return;
        }
        state.RuntimeDone = true;
        state.RuntimeDurationMs = e.DurationMs;
        state.Status = e.Status;
        if (e.ErrorType == "Runtime.OutOfMemory") state.OutOfMemory = true;
        if (_custom is not null && state.RequestId == _currentId) DrainCustom(state, publishNow: false);

        var tags = _tags.For(state.ColdStart);
        EmitCounters(state, e.Time, e.Status);
        AddIf(state, MetricCatalog.RuntimeDuration, e.DurationMs, e.Time, tags);
        AddIf(state, MetricCatalog.ProducedBytes, e.ProducedBytes, e.Time, tags);
        AddIf(state, MetricCatalog.ResponseLatency, e.ResponseLatencyMs, e.Time, tags);
        AddIf(state, MetricCatalog.ResponseDuration, e.ResponseDurationMs, e.Time, tags);
        AddIf(state, MetricCatalog.RuntimeOverhead, e.RuntimeOverheadMs, e.Time, tags);

        var signal = state.RuntimeDoneSignal;
        state.RuntimeDoneSignal = null;
        if (state.Reported)
        {
            // REPORT came first: its points are out; these complete the invocation.
            AddIf(state, MetricCatalog.PostRuntimeDuration, PostRuntime(state), e.Time, tags);
            Publish(state.Held);
            Complete(state, gotReport: true);
        }
        else if (EmitRuntimeDoneEarly)
        {
            Publish(state.Held);
        }
        signal?.TrySetResult();
    }

    private void OnReport(ReportEvent e)
    {
        if (!_states.TryGetValue(e.RequestId, out var state))
        {
            if (_completed.TryGetValue(e.RequestId, out var gotReport))
            {
                if (gotReport)
                {
                    _duplicates++;
                    return;
                }
                // We gave up on it (evicted or flushed at SHUTDOWN): publish what the REPORT says, counted as late.
                _lateReports++;
                _completed[e.RequestId] = true;
                var late = Rent(e.RequestId, coldStart: false, e.Time);
                late.CountersEmitted = true;
                EmitReportPoints(late, e);
                Publish(late.Held);
                Return(late);
                return;
            }
            state = GetOrCreate(e.RequestId, e.Time)!;
        }
        if (state.Reported)
        {
            _duplicates++;
            return;
        }
        EmitCounters(state, state.FirstSeen, e.Status);
        EmitReportPoints(state, e);
        MarkReported(state);
        Publish(state.Held);
        if (state.RuntimeDone || !state.Invoked && !TelemetryAvailable) Complete(state, gotReport: true);
        // Otherwise runtimeDone is still to come (or never): the state stays, bounded by eviction.
    }

    private void EmitReportPoints(InvocationState state, ReportEvent e)
    {
        var tags = _tags.For(state.ColdStart);
        state.ReportDurationMs = e.DurationMs;
        var memory = e.MemorySizeMb ?? (_configuredMemoryMb > 0 ? _configuredMemoryMb : null);
        AddIf(state, MetricCatalog.Duration, e.DurationMs, e.Time, tags);
        AddIf(state, MetricCatalog.BilledDuration, e.BilledDurationMs, e.Time, tags);
        AddIf(state, MetricCatalog.MaxMemoryUsed, e.MaxMemoryUsedMb, e.Time, tags);
        AddIf(state, MetricCatalog.MemorySize, e.MemorySizeMb, e.Time, tags);
        if (e.BilledDurationMs is { } billed && memory is { } memorySize)
        {
            var cost = _cost.Estimate(billed, memorySize, e.InitDurationMs, e.DurationMs, e.BilledRestoreDurationMs, _tags.InitType);
            state.Held.Add(new MetricPoint(MetricCatalog.EstimatedCost, cost, e.Time, tags, state.RequestId));
        }
        AddIf(state, MetricCatalog.PostRuntimeDuration, PostRuntime(state), e.Time, tags);
        if (e.InitDurationMs is > 0 and var init && !_initDurationEmitted)
        {
            _initDurationEmitted = true;
            state.Held.Add(new MetricPoint(MetricCatalog.InitDuration, init, e.Time, tags, state.RequestId));
        }
        if (e.RestoreDurationMs is > 0 and var restore && !_restoreDurationEmitted)
        {
            _restoreDurationEmitted = true;
            state.Held.Add(new MetricPoint(MetricCatalog.SnapStartRestoreDuration, restore, e.Time, tags, state.RequestId));
        }
        if (e.ErrorType == "Runtime.OutOfMemory" || e.MaxMemoryUsedMb is { } used && memory is { } size && size > 0 && used >= size)
            state.OutOfMemory = true;
        state.Held.Add(new MetricPoint(MetricCatalog.OutOfMemory, state.OutOfMemory ? 1 : 0, e.Time, tags, state.RequestId));
    }

    private static double? PostRuntime(InvocationState state) =>
        state.RuntimeDurationMs is { } runtime && runtime > 0 && state.ReportDurationMs is { } total
            ? Math.Max(0, total - runtime)
            : null;

    private void OnOutOfMemoryLog(OutOfMemoryLogEvent e)
    {
        var requestId = e.RequestId ?? _currentId;
        if (requestId is not null && _states.TryGetValue(requestId, out var state) && !state.Reported) state.OutOfMemory = true;
    }

    private void OnInitStart(InitStartEvent e)
    {
        _tags.SetInitType(e.InitializationType);
        _tags.SetRuntime(RuntimeDetector.FromRuntimeVersion(e.RuntimeVersion));
    }

    private void OnInitRuntimeDone(InitRuntimeDoneEvent e)
    {
        if (e.Status is not null and not "success")
            _log.Once(LogLevel.Warn, "init-failed", $"the function's INIT ended with status {e.Status} ({e.ErrorType ?? "no error type"}), phase {e.Phase ?? "init"}");
    }

    private void OnInitReport(InitReportEvent e)
    {
        _tags.SetInitType(e.InitializationType);
        if (e.Status is not null and not "success")
            _log.Once(LogLevel.Warn, "init-failed", $"the function's INIT ended with status {e.Status} ({e.ErrorType ?? "no error type"}), phase {e.Phase ?? "init"}");
        if (e.DurationMs is not > 0) return;
        // One INIT per phase: a failed INIT is re-run inside the first invoke (phase "invoke") and reported again.
        var phase = e.Phase ?? "init";
        if (_initDurationEmitted && (_initPhaseEmitted is null || _initPhaseEmitted == phase)) return;
        _initDurationEmitted = true;
        _initPhaseEmitted = phase;
        AttachSandboxPoint(MetricCatalog.InitDuration, e.DurationMs.Value, e.Time);
    }

    private void OnRestoreRuntimeDone(RestoreRuntimeDoneEvent e)
    {
        _tags.SetInitType("snap-start");
        if (e.Status is not null and not "success")
            _log.Once(LogLevel.Warn, "restore-failed", $"the SnapStart restore ended with status {e.Status} ({e.ErrorType ?? "no error type"})");
    }

    private void OnRestoreReport(RestoreReportEvent e)
    {
        _tags.SetInitType("snap-start");
        if (_restoreDurationEmitted || e.DurationMs is not > 0) return;
        _restoreDurationEmitted = true;
        AttachSandboxPoint(MetricCatalog.SnapStartRestoreDuration, e.DurationMs.Value, e.Time);
    }

    /// <summary>An INIT-level point joins the cold-start invocation's line when that is still open, else leaves alone.</summary>
    private void AttachSandboxPoint(MetricDefinition metric, double value, DateTimeOffset time)
    {
        if (_firstRequestId is null)
        {
            if (_beforeFirstInvocation.Count < 16) _beforeFirstInvocation.Add(new MetricPoint(metric, value, time, _tags.For(true)));
            return;
        }
        if (_states.TryGetValue(_firstRequestId, out var first) && !first.Reported)
        {
            first.Held.Add(new MetricPoint(metric, value, time, _tags.For(first.ColdStart), first.RequestId));
            return;
        }
        _scratch.Clear();
        _scratch.Add(new MetricPoint(metric, value, time, _tags.For(null), _firstRequestId));
        Publish(_scratch);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private void EmitCounters(InvocationState state, DateTimeOffset time, string? status)
    {
        if (state.CountersEmitted) return;
        state.CountersEmitted = true;
        var tags = _tags.For(state.ColdStart);
        var failed = status is not null && status != "success";
        state.Held.Add(new MetricPoint(MetricCatalog.Invocations, 1, state.FirstSeen < time ? state.FirstSeen : time, tags, state.RequestId));
        if (status is null) return;
        state.Held.Add(new MetricPoint(MetricCatalog.Errors, failed ? 1 : 0, time, tags, state.RequestId));
        state.Held.Add(new MetricPoint(MetricCatalog.Timeouts, status == "timeout" ? 1 : 0, time, tags, state.RequestId));
    }

    private static void AddIf(InvocationState state, MetricDefinition metric, double? value, DateTimeOffset time, MetricTags tags)
    {
        if (value is { } v && double.IsFinite(v)) state.Held.Add(new MetricPoint(metric, v, time, tags, state.RequestId));
    }

    /// <summary>Custom metrics of the invocation in progress: with its points when it is still open, else on their own.</summary>
    private void DrainCustomOfCurrent()
    {
        if (_custom is null || _currentId is null) return;
        if (_states.TryGetValue(_currentId, out var state))
        {
            DrainCustom(state, publishNow: state.Reported || EmitRuntimeDoneEarly && state.RuntimeDone);
            return;
        }
        _scratch.Clear();
        _custom.Drain(_scratch, _currentId, _tags.For(_currentCold));
        Publish(_scratch);
    }

    private void DrainCustom(InvocationState state, bool publishNow)
    {
        _scratch.Clear();
        _custom!.Drain(_scratch, state.RequestId, _tags.For(state.ColdStart));
        if (_scratch.Count == 0) return;
        if (publishNow) Publish(_scratch);
        else state.Held.AddRange(_scratch);
    }

    private void Publish(List<MetricPoint> points)
    {
        if (points.Count == 0) return;
        try
        {
            _publisher.Publish(points);
        }
        finally
        {
            points.Clear();
        }
    }

    private InvocationState? GetOrCreate(string requestId, DateTimeOffset firstSeen)
    {
        if (_states.TryGetValue(requestId, out var state)) return state;
        if (_completed.ContainsKey(requestId)) return null;
        if (_states.Count >= MaxTrackedInvocations && _order.First is { } oldest)
        {
            _log.Once(LogLevel.Warn, "tracker-full", $"more than {MaxTrackedInvocations} invocations without a REPORT; flushing the oldest without it");
            GiveUp(oldest.Value);
        }
        var coldStart = false;
        if (!_anyState)
        {
            _anyState = true;
            _firstRequestId = requestId;
            coldStart = _tags.InitType switch
            {
                "provisioned-concurrency" => false,
                "on-demand" => firstSeen - _processStart <= ProactiveInitThreshold,
                _ => true,
            };
        }
        state = Rent(requestId, coldStart, firstSeen);
        _states.Add(requestId, state);
        _order.AddLast(state.Node);
        if (_beforeFirstInvocation.Count > 0)
        {
            var tags = _tags.For(coldStart);
            foreach (var point in _beforeFirstInvocation) state.Held.Add(point with { RequestId = requestId, Tags = tags });
            _beforeFirstInvocation.Clear();
        }
        return state;
    }

    private InvocationState Rent(string requestId, bool coldStart, DateTimeOffset firstSeen)
    {
        var state = _pool.Count > 0 ? _pool.Pop() : new InvocationState();
        state.Reset(requestId, coldStart, firstSeen);
        return state;
    }

    private void Return(InvocationState state)
    {
        state.RuntimeDoneSignal?.TrySetResult();
        state.Reset("", false, default);
        if (_pool.Count < 64) _pool.Push(state);
    }

    /// <summary>Flushes an invocation with what it has and forgets it (its REPORT, if it ever comes, is late).</summary>
    private void GiveUp(InvocationState state)
    {
        _givenUp++;
        EmitCounters(state, state.FirstSeen, state.RuntimeDone ? state.Status : null);
        if (state.OutOfMemory && !state.Reported)
            state.Held.Add(new MetricPoint(MetricCatalog.OutOfMemory, 1, state.FirstSeen, _tags.For(state.ColdStart), state.RequestId));
        Publish(state.Held);
        Complete(state, gotReport: state.Reported);
    }

    private void MarkReported(InvocationState state)
    {
        state.Reported = true;
        if (!state.Invoked) return;
        _owedReports--;
        if (_owedReports <= 0)
        {
            _owedReports = 0;
            _owedReportsDrained?.TrySetResult();
            _owedReportsDrained = null;
        }
    }

    private void Complete(InvocationState state, bool gotReport)
    {
        if (state.Invoked && !state.Reported && TelemetryAvailable)
        {
            state.Reported = true; // no longer owed: it is given up
            _owedReports = Math.Max(0, _owedReports - 1);
            if (_owedReports == 0)
            {
                _owedReportsDrained?.TrySetResult();
                _owedReportsDrained = null;
            }
        }
        _states.Remove(state.RequestId);
        if (state.Node.List is not null) _order.Remove(state.Node);
        Remember(state.RequestId, gotReport);
        Return(state);
    }

    private void Remember(string requestId, bool gotReport)
    {
        if (_completed.TryAdd(requestId, gotReport))
        {
            _completedOrder.Enqueue(requestId);
            while (_completedOrder.Count > RememberedCompletions) _completed.Remove(_completedOrder.Dequeue());
        }
    }
}
