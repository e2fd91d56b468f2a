using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Config;

namespace Pulse.Telemetry;

/// <summary>
/// The Telemetry API destination: a minimal HTTP/1.1 receiver on one address and port. It answers every
/// request 200 at once (the platform retries non-2xx forever), then hands the body to the batch handler.
/// Written on a Socket rather than HttpListener because the managed HttpListener matches the Host header
/// against its prefixes: bound to an IP it answers 404 to the platform's <c>Host: sandbox.localdomain</c>,
/// and a <c>sandbox.localdomain</c> prefix makes it resolve the name again and fail where it does not
/// resolve. Supports keep-alive, Content-Length and chunked bodies, and Expect: 100-continue.
/// </summary>
public sealed class TelemetryHttpServer : IAsyncDisposable
{
    public const int MaxHeaderBytes = 16 * 1024;
    /// <summary>Bodies can reach 2 × maxBytes plus metadata (spec §4.3); beyond this they are read, discarded and counted.</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;
    /// <summary>How many ports after the configured one are tried when it is busy.</summary>
    public const int PortAttempts = 10;

    private static readonly byte[] OkResponse = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    private static readonly byte[] OkCloseResponse = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    private static readonly byte[] ContinueResponse = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");
    private static readonly byte[] BadRequestResponse = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    private readonly Socket _socket;
    private readonly ITelemetryBatchHandler _handler;
    private readonly PulseLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _acceptLoop;

    private TelemetryHttpServer(Socket socket, ITelemetryBatchHandler handler, PulseLog log)
    {
        _socket = socket;
        _handler = handler;
        _log = log;
        var endPoint = (IPEndPoint)socket.LocalEndPoint!;
        Address = endPoint.Address;
        Port = endPoint.Port;
    }

    public IPAddress Address { get; }
    public int Port { get; }

    /// <summary>
    /// Binds <paramref name="address"/> on the first free port from <paramref name="port"/> on (never 9001)
    /// and starts accepting. Throws <see cref="SocketException"/> when no port could be bound.
    /// </summary>
    /// <summary>Binds and listens (the platform may connect from now on), then accepts.</summary>
    public static TelemetryHttpServer Start(IPAddress address, int port, ITelemetryBatchHandler handler, PulseLog log)
    {
        var server = Bind(address, port, handler, log);
        server.StartAccepting();
        return server;
    }

    /// <summary>
    /// Binds and listens without accepting yet: connections wait in the backlog until <see cref="StartAccepting"/>,
    /// so the start-up path can subscribe and send its first /next before any thread pool work begins.
    /// </summary>
    public static TelemetryHttpServer Bind(IPAddress address, int port, ITelemetryBatchHandler handler, PulseLog log)
    {
        SocketException? last = null;
        for (var attempt = 0; attempt < PortAttempts; attempt++)
        {
            var candidate = port + attempt;
            if (candidate == Config.StartupSettings.ReservedPort || candidate > 65535) continue;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, candidate));
                socket.Listen(32);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                log.Warn($"telemetry listener: {address}:{candidate} is not available ({e.SocketErrorCode}); trying the next port");
                continue;
            }
            if (attempt > 0) log.Warn($"telemetry listener: using port {candidate} instead of {port}");
            return new TelemetryHttpServer(socket, handler, log);
        }
        throw last ?? new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    public void StartAccepting() => _acceptLoop ??= Task.Run(AcceptLoopAsync);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Once(LogLevel.Warn, "telemetry-accept", $"telemetry listener: accept failed ({e.SocketErrorCode}); still listening");
                continue;
            }
            client.NoDelay = true;
            _ = Task.Run(() => ServeConnectionAsync(client));
        }
    }

    private async Task ServeConnectionAsync(Socket client)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var connection = new HttpConnectionReader(client, buffer);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var request = await connection.ReadRequestAsync(_stopping.Token).ConfigureAwait(false);
                if (request.Status == ReadStatus.Closed) return;
                if (request.Status == ReadStatus.Malformed)
                {
                    await SendAsync(client, BadRequestResponse).ConfigureAwait(false);
                    _handler.OnUnreadableRequest(request.Problem ?? "malformed HTTP request");
                    return;
                }
                if (request.ExpectContinue) await SendAsync(client, ContinueResponse).ConfigureAwait(false);
                var body = await connection.ReadBodyAsync(request, MaxBodyBytes, _stopping.Token).ConfigureAwait(false);
                if (body.Status == ReadStatus.Closed) return;
                await SendAsync(client, request.KeepAlive && body.Status == ReadStatus.Ok ? OkResponse : OkCloseResponse).ConfigureAwait(false);
                if (body.Status == ReadStatus.Ok)
                {
                    try
                    {
                        _handler.OnBatch(body.Body.Span);
                    }
                    catch (Exception e)
                    {
                        _log.Once(LogLevel.Error, "telemetry-handler", $"telemetry batch handling failed ({e.GetType().Name}: {e.Message}); batch skipped");
                    }
                }
                else
                {
                    _handler.OnUnreadableRequest(body.Problem ?? "unreadable body");
                }
                connection.ReleaseBody();
                if (!request.KeepAlive || body.Status != ReadStatus.Ok) return;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away or the sandbox froze mid-request: the platform retries, nothing to do.
        }
        finally
        {
            connection.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            client.Dispose();
        }
    }

    private static async Task SendAsync(Socket client, byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length) sent += await client.SendAsync(bytes.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            try { await _acceptLoop.WaitAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false); }
            catch (Exception) { /* stopping anyway */ }
        }
        _stopping.Dispose();
    }
}
