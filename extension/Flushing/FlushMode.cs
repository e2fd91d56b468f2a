namespace Pulse.Flushing;

/// <summary>When points leave the buffer (PULSE_FLUSH).</summary>
public enum FlushMode
{
    /// <summary>Call /next at once, never wait; flush each invocation's points as soon as they are complete.</summary>
    Default,
    /// <summary>Wait (bounded) for this invocation's runtimeDone, flush, then call /next.</summary>
    End,
    /// <summary>Flush on a timer, off the /next path.</summary>
    Periodic,
}
