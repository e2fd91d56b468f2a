using System.Net;

namespace Pulse.Emulator.Http;

/// <summary>
/// An HttpListener accept loop: every request runs on its own task (long polls must not block others), and a
/// handler fault becomes a 500 with the platform's error body instead of taking the server down.
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public HttpServer(string host, int port, Func<HttpListenerContext, Task> handler, Action<string> log)
    {
        // HttpListener matches the Host header against its prefixes: on loopback, answer "localhost" too.
        var prefixHost = host is "0.0.0.0" or "*" or "+" ? "*" : host;
        _listener.Prefixes.Add($"http://{prefixHost}:{port}/");
        if (host == "127.0.0.1") _listener.Prefixes.Add($"http://localhost:{port}/");
        _listener.IgnoreWriteExceptions = true;
        _handler = handler;
        _log = log;
    }

    public void Start()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch when (_stop.IsCancellationRequested || !_listener.IsListening) { return; }
            catch (Exception e) { _log($"accept failed: {e.Message}"); continue; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try { await _handler(context).ConfigureAwait(false); }
        catch (Exception e)
        {
            _log($"{context.Request.HttpMethod} {context.Request.RawUrl}: internal error {e.GetType().Name}: {e.Message}");
            try { await HttpResponses.ErrorAsync(context, 500, "InternalServerError", "Internal Server Error").ConfigureAwait(false); }
            catch { /* the client is gone */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
        if (_loop is not null) await _loop.ConfigureAwait(false);
    }
}
