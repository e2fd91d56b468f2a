using System.Net;
using System.Text.Json.Nodes;
using Pulse.Emulator.Recording;
using Pulse.Testing;

namespace Pulse.Emulator.Tests.Support;

/// <summary>
/// The listener side of a subscription, in the test process: keeps every POST (monotonic arrival time, path,
/// decoded array) and answers with the status the test chooses per attempt.
/// </summary>
public sealed class TelemetrySink : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly object _lock = new();
    private readonly List<(double At, string Path, JsonArray Batch, int Status)> _posts = new();
    private readonly List<string> _hosts = new();
    private readonly Func<int, int> _statusForPost;
    private int _count;

    public TelemetrySink(Func<int, int>? statusForPost = null)
    {
        Port = TestEnvironment.FreeTcpPort();
        _statusForPost = statusForPost ?? (_ => 200);
        // Any Host: deliveries carry the subscribed host (sandbox.localdomain), which this process cannot resolve.
        _listener.Prefixes.Add($"http://*:{Port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public IReadOnlyList<(double At, string Path, JsonArray Batch, int Status)> Posts { get { lock (_lock) return _posts.ToList(); } }

    /// <summary>The Host header of every POST.</summary>
    public IReadOnlyList<string> Hosts { get { lock (_lock) return _hosts.ToList(); } }

    /// <summary>Every record delivered with a 2xx answer, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Delivered() =>
        Posts.Where(p => p.Status < 300).SelectMany(p => p.Batch.Select(e => (JsonObject)e!)).ToList();

    public string Subscription(string types = "\"platform\",\"function\",\"extension\"", int timeoutMs = 25, int maxItems = 1000, int maxBytes = 262144, string path = "/telemetry", string host = "sandbox.localdomain") =>
        $$$"""{"schemaVersion":"2022-12-13","types":[{{{types}}}],"buffering":{"maxItems":{{{maxItems}}},"maxBytes":{{{maxBytes}}},"timeoutMs":{{{timeoutMs}}}},"destination":{"protocol":"HTTP","URI":"http://{{{host}}}:{{{Port}}}{{{path}}}"}}""";

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch { return; }
            var at = Monotonic.NowMs;
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = _statusForPost(Interlocked.Increment(ref _count));
            JsonArray batch;
            try { batch = JsonNode.Parse(body) as JsonArray ?? new JsonArray(); } catch { batch = new JsonArray(); }
            lock (_lock)
            {
                _posts.Add((at, context.Request.RawUrl ?? "", batch, status));
                _hosts.Add(context.Request.Headers["Host"] ?? "");
            }
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            if (Delivered().FirstOrDefault(match) is { } found) return found;
            await Task.Delay(20);
        }
        throw new TimeoutException("the telemetry sink did not receive the expected record");
    }

    public void Dispose()
    {
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
    }
}
