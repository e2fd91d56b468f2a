using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pulse.Benchmarks.Harness.Receivers;

/// <summary>
/// A stand-in for an OTLP collector or the Datadog intake on 127.0.0.1 (a free port): Healthy answers
/// every request at once with a 2xx and an empty JSON body; Hanging reads the request and never
/// answers, holding the connection until disposed. It counts requests and bytes, and decodes
/// nothing: payload checks are the sinks' tests' job, here only timing matters.
/// </summary>
public sealed class LocalReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private long _requests;
    private long _bytes;

    public LocalReceiver(ReceiverMode mode, int successStatus = 200)
    {
        Mode = mode;
        SuccessStatus = successStatus;
        _listener.Start(backlog: 512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public ReceiverMode Mode { get; }
    public int SuccessStatus { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public long Requests => Interlocked.Read(ref _requests);
    public long Bytes => Interlocked.Read(ref _bytes);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            lock (_connections) _connections.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var reader = new HttpRequestReader(stream);
            while (!_stop.IsCancellationRequested)
            {
                var length = await reader.ReadRequestAsync(_stop.Token);
                if (length is null) return; // the client closed the connection
                Interlocked.Increment(ref _requests);
                Interlocked.Add(ref _bytes, length.Value);
                if (Mode == ReceiverMode.Hanging)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                var body = "{}"u8.ToArray();
                var head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {SuccessStatus} OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
                await stream.WriteAsync(head, _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
            // A client that went away or sent garbage ends its own connection, nothing else.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections) foreach (var connection in _connections) connection.Dispose();
        try { await _accepting.WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { /* already stopping: nothing more to release */ }
        _stop.Dispose();
    }
}
