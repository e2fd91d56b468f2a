using Pulse.Emulator.Recording;
using System.Text.Json.Nodes;

namespace Pulse.Emulator.Telemetry;

/// <summary>
/// Fans platform events and log lines out to the subscribers. Events generated while subscriptions are open
/// (init) are kept and replayed to every later subscriber, as RAPID does; every event is also recorded as generated.
/// </summary>
internal sealed class TelemetryDispatcher
{
    private readonly object _lock = new();
    private readonly List<TelemetrySubscriber> _subscribers = new();
    private readonly List<TelemetryEvent> _initEvents = new();
    private readonly Recorder _recorder;
    private bool _collectingInitEvents = true;

    public TelemetryDispatcher(Recorder recorder) => _recorder = recorder;

    public void Publish(TelemetryEvent e)
    {
        if (_recorder.Enabled && e.Category == "platform" && e.Record is not null)
            _recorder.Write("event", new JsonObject { ["time"] = TimeFormat.Iso(e.Time), ["type"] = e.Type, ["record"] = e.Record!.DeepClone() });
        lock (_lock)
        {
            if (_collectingInitEvents) _initEvents.Add(e);
            foreach (var s in _subscribers) if (s.Accepts(e)) s.Enqueue(e);
        }
    }

    public void Add(TelemetrySubscriber subscriber)
    {
        lock (_lock)
        {
            foreach (var e in _initEvents) if (subscriber.Accepts(e)) subscriber.Enqueue(e);
            _subscribers.Add(subscriber);
        }
        subscriber.Start();
    }

    public void OpenInitWindow()
    {
        lock (_lock) { _collectingInitEvents = true; _initEvents.Clear(); }
    }

    public void CloseInitWindow()
    {
        lock (_lock) { _collectingInitEvents = false; _initEvents.Clear(); }
    }

    /// <summary>Removes every subscriber (their extensions are gone after a reset or shutdown).</summary>
    public async Task RemoveAllAsync()
    {
        List<TelemetrySubscriber> all;
        lock (_lock) { all = _subscribers.ToList(); _subscribers.Clear(); }
        foreach (var s in all) await s.StopAsync().ConfigureAwait(false);
    }
}
