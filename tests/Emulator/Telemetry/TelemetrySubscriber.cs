using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Recording;

namespace Pulse.Emulator.Telemetry;

/// <summary>
/// One subscriber's buffer and delivery loop, as the platform runs it: a batch starts with its first event and is
/// sent when timeoutMs has passed since then, or earlier when it reaches maxItems or maxBytes — never early because
/// of runtimeDone — and only while the sandbox is thawed. A failed delivery (error or non-2xx) is retried with
/// back-off while new events queue; past the queue cap, log records are dropped and announced by platform.logsDropped.
/// </summary>
internal sealed class TelemetrySubscriber
{
    private const string DroppedReason = "Some logs were dropped because the downstream consumer is slower than the logs production rate";
    private readonly object _lock = new();
    private readonly LinkedList<(TelemetryEvent Event, byte[] Bytes, double QueuedAt)> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly FreezeGate _gate;
    private readonly HttpClient _http;
    private readonly Recorder _recorder;
    private readonly Action<string> _log;
    private readonly long _queueCapBytes;
    private long _queuedBytes;
    private long _droppedRecords;
    private long _droppedBytes;
    private Task? _loop;

    public TelemetrySubscriber(string extensionName, SubscriptionRequest request, FreezeGate gate, HttpClient http, Recorder recorder, Action<string> log, long queueCapBytes)
    {
        ExtensionName = extensionName;
        Request = request;
        _gate = gate;
        _http = http;
        _recorder = recorder;
        _log = log;
        _queueCapBytes = Math.Max(queueCapBytes, request.MaxBytes);
    }

    public string ExtensionName { get; }
    public SubscriptionRequest Request { get; }
    public int Deliveries { get; private set; }

    public void Start() => _loop = Task.Run(RunAsync);

    public bool Accepts(TelemetryEvent e)
    {
        if (!Request.Types.Contains(e.Category)) return false;
        if (!Request.Legacy) return e.Record is not null;
        if (e.LegacyRecord is null) return false;
        return !e.LegacyNeedsRuntimeDoneSchema || Request.SchemaVersion == "2021-03-18";
    }

    public void Enqueue(TelemetryEvent e)
    {
        var bytes = e.Envelope(Request.Legacy);
        lock (_lock)
        {
            if (e.Category != "platform" && _queuedBytes + bytes.Length > _queueCapBytes)
            {
                _droppedRecords++;
                _droppedBytes += bytes.Length;
                return;
            }
            _queue.AddLast((e, bytes, Monotonic.NowMs));
            _queuedBytes += bytes.Length;
        }
        _signal.Release();
    }

    private async Task RunAsync()
    {
        var cancel = _stop.Token;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                double batchStart;
                lock (_lock) batchStart = _queue.Count > 0 ? _queue.First!.Value.QueuedAt : double.NaN;
                if (double.IsNaN(batchStart))
                {
                    await _signal.WaitAsync(cancel).ConfigureAwait(false);
                    continue;
                }
                // Wait for the batch to be due: timer from its first event, or a size bound.
                while (true)
                {
                    int count; long bytes;
                    lock (_lock) { count = _queue.Count; bytes = _queuedBytes; }
                    var remaining = batchStart + Request.TimeoutMs - Monotonic.NowMs;
                    if (count >= Request.MaxItems || bytes >= Request.MaxBytes || remaining <= 0) break;
                    await _signal.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, remaining)), cancel).ConfigureAwait(false);
                }
                await _gate.WaitThawedAsync(cancel).ConfigureAwait(false);
                var batch = TakeBatch();
                await DeliverAsync(batch, cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _log($"telemetry subscriber {ExtensionName}: delivery loop failed: {e.Message}"); }
    }

    private List<byte[]> TakeBatch()
    {
        var batch = new List<byte[]>();
        lock (_lock)
        {
            if (_droppedRecords > 0)
            {
                var dropped = new TelemetryEvent("platform.logsDropped", DateTimeOffset.UtcNow,
                    new JsonObject { ["droppedBytes"] = _droppedBytes, ["droppedRecords"] = _droppedRecords, ["reason"] = DroppedReason },
                    new JsonObject { ["droppedBytes"] = _droppedBytes, ["droppedRecords"] = _droppedRecords, ["reason"] = DroppedReason });
                batch.Add(dropped.Envelope(Request.Legacy));
                _droppedRecords = 0;
                _droppedBytes = 0;
            }
            long size = 0;
            while (_queue.Count > 0 && batch.Count < Request.MaxItems)
            {
                var next = _queue.First!.Value;
                if (batch.Count > 0 && size + next.Bytes.Length > Request.MaxBytes) break;
                _queue.RemoveFirst();
                _queuedBytes -= next.Bytes.Length;
                size += next.Bytes.Length;
                batch.Add(next.Bytes);
            }
        }
        return batch;
    }

    private async Task DeliverAsync(List<byte[]> batch, CancellationToken cancel)
    {
        var body = Join(batch);
        var delay = 50;
        for (var attempt = 1; !cancel.IsCancellationRequested; attempt++)
        {
            await _gate.WaitThawedAsync(cancel).ConfigureAwait(false);
            var sentAt = Monotonic.NowMs;
            string outcome;
            var ok = false;
            try
            {
                if (Request.Protocol == "TCP")
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", Request.Port, cancel).ConfigureAwait(false);
                    var stream = client.GetStream();
                    foreach (var record in batch) { await stream.WriteAsync(record, cancel).ConfigureAwait(false); stream.WriteByte((byte)'\n'); }
                    outcome = "sent";
                    ok = true;
                }
                else
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var message = new HttpRequestMessage(HttpMethod.Post, Request.DeliveryUri) { Content = content };
                    message.Headers.Host = Request.HostHeader;
                    using var response = await _http.SendAsync(message, cancel).ConfigureAwait(false);
                    outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    ok = response.IsSuccessStatusCode;
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested) { throw; }
            catch (Exception e) { outcome = "error: " + (e.InnerException?.Message ?? e.Message); }
            Record(batch, attempt, outcome, ok, sentAt);
            if (ok) { Deliveries++; return; }
            await Task.Delay(delay, cancel).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 1000);
        }
    }

    private void Record(List<byte[]> batch, int attempt, string outcome, bool ok, double sentAt)
    {
        if (!_recorder.Enabled) return;
        var records = new JsonArray();
        foreach (var item in batch) records.Add(JsonNode.Parse(item));
        _recorder.Write("telemetry", new JsonObject
        {
            ["t"] = Monotonic.Round(sentAt),
            ["extension"] = ExtensionName,
            ["api"] = Request.Legacy ? "logs" : "telemetry",
            ["destination"] = Request.DestinationText,
            ["attempt"] = attempt,
            ["outcome"] = outcome,
            ["delivered"] = ok,
            ["doneT"] = Monotonic.Round(Monotonic.NowMs),
            ["count"] = batch.Count,
            ["records"] = records,
        });
    }

    private static byte[] Join(List<byte[]> batch)
    {
        var length = 2 + batch.Sum(b => b.Length) + Math.Max(0, batch.Count - 1);
        var body = new byte[length];
        var pos = 0;
        body[pos++] = (byte)'[';
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0) body[pos++] = (byte)',';
            batch[i].CopyTo(body, pos);
            pos += batch[i].Length;
        }
        body[pos] = (byte)']';
        return body;
    }

    /// <summary>Stops delivering; what is still queued is counted in the record as undelivered.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        if (_loop is not null) { try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { } }
        int left;
        lock (_lock) left = _queue.Count;
        if (left > 0) _recorder.Write("telemetry-undelivered", new JsonObject { ["extension"] = ExtensionName, ["count"] = left });
    }
}
