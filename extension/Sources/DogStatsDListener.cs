using System.Net;
using System.Net.Sockets;
using Pulse.Config;

namespace Pulse.Sources;

/// <summary>
/// Custom metrics in: a DogStatsD UDP listener on 127.0.0.1 (loopback only: the function is the only
/// sender). Each datagram's lines are parsed and aggregated for the running invocation; malformed lines
/// are counted and skipped, never answered.
/// </summary>
public sealed class DogStatsDListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CustomMetricAggregator _aggregator;
    private readonly PulseLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _datagrams, _samples, _malformed, _unsupported;

    private DogStatsDListener(Socket socket, CustomMetricAggregator aggregator, PulseLog log)
    {
        _socket = socket;
        _aggregator = aggregator;
        _log = log;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public int Port { get; }
    public long Datagrams => Interlocked.Read(ref _datagrams);
    public long Samples => Interlocked.Read(ref _samples);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Unsupported => Interlocked.Read(ref _unsupported);

    /// <summary>Binds 127.0.0.1:<paramref name="port"/>; null (and one line) when it cannot.</summary>
    public static DogStatsDListener? TryStart(int port, CustomMetricAggregator aggregator, PulseLog log)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            log.Warn($"DogStatsD: cannot listen on 127.0.0.1:{port} ({e.SocketErrorCode}); custom metrics are off (PULSE_DOGSTATSD_PORT picks another port, 0 turns it off)");
            return null;
        }
        return new DogStatsDListener(socket, aggregator, log);
    }

    /// <summary>Parses one datagram; public for tests and for the receive loop.</summary>
    public void HandleDatagram(ReadOnlySpan<byte> datagram, DateTimeOffset receivedAt)
    {
        while (!datagram.IsEmpty)
        {
            var end = datagram.IndexOf((byte)'\n');
            var line = end < 0 ? datagram : datagram[..end];
            datagram = end < 0 ? ReadOnlySpan<byte>.Empty : datagram[(end + 1)..];
            switch (DogStatsDParser.TryParseLine(line, out var sample))
            {
                case DogStatsDParser.LineResult.Ok:
                    Interlocked.Increment(ref _samples);
                    _aggregator.Add(sample!, receivedAt);
                    break;
                case DogStatsDParser.LineResult.Malformed:
                    Interlocked.Increment(ref _malformed);
                    _log.Once(LogLevel.Warn, "statsd-malformed", $"DogStatsD: skipped a malformed line ('{Printable(line)}'); further ones are counted silently");
                    break;
                case DogStatsDParser.LineResult.Unsupported:
                    Interlocked.Increment(ref _unsupported);
                    break;
            }
        }
        // Counted last: whoever sees the datagram counted also sees every line of it counted.
        Interlocked.Increment(ref _datagrams);
    }

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var text = System.Text.Encoding.UTF8.GetString(line[..Math.Min(line.Length, 80)]);
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
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
                _log.Once(LogLevel.Warn, "statsd-receive", $"DogStatsD: receive failed ({e.SocketErrorCode}); still listening");
                continue;
            }
            try
            {
                HandleDatagram(buffer.AsSpan(0, received), DateTimeOffset.UtcNow);
            }
            catch (Exception e)
            {
                _log.Once(LogLevel.Error, "statsd-handle", $"DogStatsD: a datagram could not be handled ({e.GetType().Name}: {e.Message})");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _socket.Dispose();
        try { await _loop.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false); }
        catch (Exception) { /* stopping anyway */ }
    }
}
