using Pulse.Metrics;

namespace Pulse.Invocations;

/// <summary>
/// What the tracker knows about one request id, from INVOKE and the telemetry events that name it.
/// Pooled: <see cref="Reset"/> readies an instance for the next request, so steady traffic allocates none.
/// </summary>
internal sealed class InvocationState
{
    public InvocationState() => Node = new LinkedListNode<InvocationState>(this);

    public LinkedListNode<InvocationState> Node { get; }
    public string RequestId { get; private set; } = "";
    public bool ColdStart { get; private set; }
    /// <summary>The time of the earliest event seen for it (INVOKE or platform.start): the invocation's timestamp.</summary>
    public DateTimeOffset FirstSeen { get; set; }

    public bool Invoked { get; set; }
    public long DeadlineMs { get; set; }
    public DateTimeOffset? StartTime { get; set; }

    public bool RuntimeDone { get; set; }
    public double? RuntimeDurationMs { get; set; }

    public bool Reported { get; set; }
    public double? ReportDurationMs { get; set; }

    public string? Status { get; set; }
    public bool OutOfMemory { get; set; }
    /// <summary>invocations, errors and timeouts were emitted (once per request, by whichever event came first).</summary>
    public bool CountersEmitted { get; set; }
    public TaskCompletionSource? RuntimeDoneSignal { get; set; }

    /// <summary>Points waiting to leave with the rest of the invocation (one EMF line per invocation).</summary>
    public List<MetricPoint> Held { get; } = new(24);

    public void Reset(string requestId, bool coldStart, DateTimeOffset firstSeen)
    {
        RequestId = requestId;
        ColdStart = coldStart;
        FirstSeen = firstSeen;
        Invoked = false;
        DeadlineMs = 0;
        StartTime = null;
        RuntimeDone = false;
        RuntimeDurationMs = null;
        Reported = false;
        ReportDurationMs = null;
        Status = null;
        OutOfMemory = false;
        CountersEmitted = false;
        RuntimeDoneSignal = null;
        Held.Clear();
    }
}
