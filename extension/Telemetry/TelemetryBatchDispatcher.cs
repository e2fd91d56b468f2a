using Pulse.Config;

namespace Pulse.Telemetry;

/// <summary>
/// Parses each batch the HTTP server received and hands the typed events, in order, to the consumer
/// (the invocation tracker). Batches can arrive before the consumer exists (INIT events are replayed
/// right after the subscription, while the rest of Pulse is still being built): they wait for it, up to
/// <see cref="ConsumerWait"/>. One batch at a time, so events keep their order.
/// </summary>
public sealed class TelemetryBatchDispatcher : ITelemetryBatchHandler
{
    public static readonly TimeSpan ConsumerWait = TimeSpan.FromSeconds(2);

    private readonly TelemetryParser _parser;
    private readonly PulseLog _log;
    private readonly ManualResetEventSlim _ready = new(false);
    private readonly object _gate = new();
    private readonly List<TelemetryEvent> _events = new(16);
    private Action<TelemetryEvent>? _consumer;

    public TelemetryBatchDispatcher(TelemetryParser parser, PulseLog log)
    {
        _parser = parser;
        _log = log;
    }

    public TelemetryCounters Counters => _parser.Counters;

    public void SetConsumer(Action<TelemetryEvent> consumer)
    {
        _consumer = consumer;
        _ready.Set();
    }

    public void OnBatch(ReadOnlySpan<byte> body)
    {
        if (_consumer is null && !_ready.Wait(ConsumerWait))
        {
            _parser.Counters.MalformedOne();
            _log.Once(LogLevel.Warn, "telemetry-not-ready", "a telemetry batch arrived before Pulse was ready and was skipped");
            return;
        }
        lock (_gate)
        {
            _events.Clear();
            _parser.Parse(body, _events);
            var consumer = _consumer!;
            foreach (var e in _events)
            {
                try
                {
                    consumer(e);
                }
                catch (Exception ex)
                {
                    _log.Once(LogLevel.Error, "telemetry-consumer", $"handling a telemetry event failed ({ex.GetType().Name}: {ex.Message}); event skipped");
                }
            }
            _events.Clear();
        }
    }

    public void OnUnreadableRequest(string problem)
    {
        _parser.Counters.MalformedOne();
        _log.Once(LogLevel.Warn, "telemetry-unreadable", $"a telemetry request could not be read ({problem}); answered and skipped");
    }
}
