namespace Pulse.Sinks.Tests;

/// <summary>
/// A wall clock the test moves by hand (back-off, Retry-After and the breaker read it), while timers and
/// timestamps stay real so request timeouts still fire.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly object _lock = new();

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock) _now += by;
    }
}
