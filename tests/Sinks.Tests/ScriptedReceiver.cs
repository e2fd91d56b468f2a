using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Testing;

namespace Pulse.Sinks.Tests;

/// <summary>
/// A loopback HTTP/1.1 receiver on a raw TcpListener whose answer to each request is scripted (status,
/// Retry-After, a hang, a slow answer, a reset). It records every request, and counts a request as
/// acknowledged only when it wrote a 2xx answer while the client was still waiting: that is the receiver's
/// ground truth for "delivered exactly once". It can be stopped and started again on the same port.
/// </summary>
internal sealed class ScriptedReceiver : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(30);

    private readonly Func<ReceivedRequest, ReceiverAction> _script;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly List<ReceivedRequest> _acknowledged = [];
    private readonly ConcurrentDictionary<int, Socket> _connections = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _acceptLoop;
    private int _connectionCount;
    private int _abandoned;

    public ScriptedReceiver(Func<ReceivedRequest, ReceiverAction> script, int? port = null)
    {
        _script = script;
        Port = port ?? TestEnvironment.FreeTcpPort();
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    public IReadOnlyList<ReceivedRequest> Acknowledged
    {
        get { lock (_acknowledged) return _acknowledged.ToArray(); }
    }

    public int ConnectionsAccepted => Volatile.Read(ref _connectionCount);

    /// <summary>Requests whose client left before the (slow or hung) answer: not delivered.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    public static ScriptedReceiver Start(Func<ReceivedRequest, ReceiverAction> script)
    {
        var receiver = new ScriptedReceiver(script);
        receiver.Start();
        return receiver;
    }

    public void Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _stop = new CancellationTokenSource();
        _acceptLoop = AcceptLoopAsync(listener, _stop.Token);
    }

    /// <summary>Stops listening and resets every open connection: from the client's side the backend is gone.</summary>
    public async Task StopAsync()
    {
        _stop?.Cancel();
        _listener?.Stop();
        AbortConnections();
        if (_acceptLoop is not null) await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _listener = null;
    }

    /// <summary>Resets every open connection (as a backend or NAT does to a connection idle while the sandbox was frozen).</summary>
    public void AbortConnections()
    {
        foreach (var (id, socket) in _connections)
        {
            Abort(socket);
            _connections.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken stop)
    {
        var handlers = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(stop).ConfigureAwait(false);
                var id = Interlocked.Increment(ref _connectionCount);
                _connections[id] = socket;
                handlers.Add(Task.Run(() => ServeConnectionAsync(socket, id, stop), CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(handlers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private async Task ServeConnectionAsync(Socket socket, int connectionId, CancellationToken stop)
    {
        try
        {
            var reader = new RequestReader(socket);
            for (var index = 1; !stop.IsCancellationRequested; index++)
            {
                var request = await reader.ReadAsync(connectionId, index, stop).ConfigureAwait(false);
                if (request is null) return;
                _received.Enqueue(request);
                var action = _script(request);
                switch (action.Kind)
                {
                    case ReceiverAction.Kinds.Reset:
                        Abort(socket);
                        return;
                    case ReceiverAction.Kinds.Hang:
                        await WaitForClientToLeaveAsync(socket, MaxHold, stop).ConfigureAwait(false);
                        Interlocked.Increment(ref _abandoned);
                        return;
                }
                if (action.Delay > TimeSpan.Zero)
                {
                    if (await WaitForClientToLeaveAsync(socket, action.Delay, stop).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref _abandoned);
                        return;
                    }
                }
                var head = new StringBuilder($"HTTP/1.1 {action.Status} {Reason(action.Status)}\r\nContent-Length: {action.Body.Length}\r\n");
                if (action.RetryAfter is not null) head.Append($"Retry-After: {action.RetryAfter}\r\n");
                if (action.ContentType is not null) head.Append($"Content-Type: {action.ContentType}\r\n");
                head.Append("\r\n");
                // Recorded before the answer is written: the client may check the receiver the moment it reads it.
                var acknowledged = action.Status is >= 200 and < 300;
                if (acknowledged) lock (_acknowledged) _acknowledged.Add(request);
                try
                {
                    await socket.SendAsync((byte[])[.. Encoding.ASCII.GetBytes(head.ToString()), .. action.Body], SocketFlags.None, stop).ConfigureAwait(false);
                }
                catch
                {
                    if (acknowledged) lock (_acknowledged) _acknowledged.Remove(request);
                    throw;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            _connections.TryRemove(connectionId, out _);
            socket.Dispose();
        }
    }

    /// <summary>Waits up to <paramref name="limit"/>; true as soon as the client closed its side (it gave up).</summary>
    private static async Task<bool> WaitForClientToLeaveAsync(Socket socket, TimeSpan limit, CancellationToken stop)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until && !stop.IsCancellationRequested)
        {
            if (ClientLeft(socket)) return true;
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
        return ClientLeft(socket);
    }

    private static bool ClientLeft(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, not FIN
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 202 => "Accepted", 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden",
        413 => "Payload Too Large", 429 => "Too Many Requests", 500 => "Internal Server Error", 503 => "Service Unavailable",
        _ => "Status",
    };

    /// <summary>Reads HTTP/1.1 requests with a Content-Length body from one connection.</summary>
    private sealed class RequestReader(Socket socket)
    {
        private byte[] _buffer = new byte[16 * 1024];
        private int _count;

        public async Task<ReceivedRequest?> ReadAsync(int connectionId, int index, CancellationToken stop)
        {
            int headerEnd;
            while ((headerEnd = IndexOfHeaderEnd()) < 0)
            {
                if (_count >= MaxHeaderBytes) throw new IOException("request head too large");
                if (!await FillAsync(stop).ConfigureAwait(false)) return null;
            }
            var head = Encoding.ASCII.GetString(_buffer, 0, headerEnd).Split("\r\n");
            var requestLine = head[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in head.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            var length = headers.TryGetValue("Content-Length", out var raw) ? int.Parse(raw) : 0;
            if (length > MaxBodyBytes) throw new IOException("request body too large");
            var consumed = headerEnd + 4;
            while (_count - consumed < length)
            {
                if (!await FillAsync(stop).ConfigureAwait(false)) return null;
            }
            var body = _buffer.AsSpan(consumed, length).ToArray();
            consumed += length;
            Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _count - consumed);
            _count -= consumed;
            return new ReceivedRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "", headers, body, connectionId, index);
        }

        private int IndexOfHeaderEnd() => _buffer.AsSpan(0, _count).IndexOf("\r\n\r\n"u8);

        private async Task<bool> FillAsync(CancellationToken stop)
        {
            if (_count == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, stop).ConfigureAwait(false);
            if (read == 0) return false;
            _count += read;
            return true;
        }
    }
}
