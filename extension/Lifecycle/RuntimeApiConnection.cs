using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pulse.Lifecycle;

/// <summary>
/// HTTP/1.1 over one keep-alive TCP connection to the sandbox's Runtime API host — all Pulse asks of the
/// Extensions and Telemetry APIs. It replaces HttpClient on the start-up critical path: the first request
/// through HttpClient costs about 5 ms more in an AOT binary (handler, pool and async socket engine set-up,
/// measured in the issue-4 note), and the runtime does not start before every extension has registered.
/// Everything blocks: the start-up path runs before any thread pool work, and the event loop's thread
/// waits in the /next long poll with nothing else to do (no epoll and thread-pool hand-offs per invocation).
/// Answers are framed by Content-Length, chunked encoding or connection close.
/// One request at a time: the caller serialises them (register, subscribe, then /next after /next).
/// </summary>
public sealed class RuntimeApiConnection : IDisposable
{
    /// <summary>Longest status line plus headers accepted; the platform's are a few hundred bytes.</summary>
    public const int MaxHeaderBytes = 16 * 1024;
    /// <summary>Largest body accepted; events for extensions carry no payload and are well under 1 KB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly string _host;
    private readonly int _readTimeoutMs; // 0: none (the /next long poll must never time out)
    private readonly int _port;
    private Socket? _socket;
    private byte[]? _request; // written, answer not read yet: sent once more if a kept-alive connection was dead
    private bool _requestOnReusedConnection;
    private byte[] _buffer = new byte[4096];
    private int _start, _end; // unread bytes of the current answer: _buffer[_start.._end]

    /// <param name="hostAndPort">AWS_LAMBDA_RUNTIME_API: "host:port" or "[v6]:port".</param>
    public RuntimeApiConnection(string hostAndPort) : this(hostAndPort, Timeout.InfiniteTimeSpan)
    {
    }

    /// <summary>Tests only: a bound on every blocking read, so a peer that never answers fails a test instead of hanging it.</summary>
    internal RuntimeApiConnection(string hostAndPort, TimeSpan readTimeout)
    {
        _readTimeoutMs = readTimeout == Timeout.InfiniteTimeSpan ? 0 : (int)readTimeout.TotalMilliseconds;
        if (!TrySplit(hostAndPort, out _host, out _port))
            throw new ArgumentException($"'{hostAndPort}' is not host:port", nameof(hostAndPort));
        Authority = hostAndPort;
    }

    public string Authority { get; }

    /// <summary>Sends a request and reads its answer (register, subscribe).</summary>
    public RuntimeApiResponse Send(string method, string path, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        Write(method, path, headers, body);
        return Read(CancellationToken.None);
    }

    /// <summary>
    /// Writes a request whose answer <see cref="Read"/> returns later: the /next long poll is written as soon as
    /// possible and read once there is nothing else to do.
    /// </summary>
    public void Write(string method, string path, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        var request = Format(method, path, headers, body);
        _request = null;
        _requestOnReusedConnection = _socket is not null;
        try
        {
            Connected().Send(request);
        }
        catch (Exception e) when (Retriable(e, _requestOnReusedConnection, attempt: 1))
        {
            Close();
            _requestOnReusedConnection = false;
            Connected().Send(request);
        }
        catch
        {
            Close();
            throw;
        }
        _request = request;
    }

    /// <summary>
    /// Blocks until the answer of the request last written has arrived, without a time limit (the /next long
    /// poll lasts as long as the sandbox is idle). Cancelling closes the connection and throws
    /// <see cref="OperationCanceledException"/>; the next request opens a new one.
    /// </summary>
    public RuntimeApiResponse Read(CancellationToken cancellationToken)
    {
        var request = _request ?? throw new InvalidOperationException("no request was written");
        for (var attempt = 1; ; attempt++)
        {
            var socket = _socket ?? throw new InvalidOperationException("no connection");
            try
            {
                // Shutdown wakes a receive blocked in the kernel at once; the socket is disposed below, on this thread.
                using (cancellationToken.CanBeCanceled ? cancellationToken.Register(static s => ShutdownQuietly((Socket)s!), socket) : default)
                {
                    var response = ReadResponse(socket);
                    _request = null;
                    return response;
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                Close();
                _request = null;
                throw new OperationCanceledException(cancellationToken);
            }
            catch (Exception e) when (Retriable(e, _requestOnReusedConnection, attempt))
            {
                Close();
                _requestOnReusedConnection = false;
                Connected().Send(request);
            }
            catch
            {
                // Failed mid-answer: the connection's state is unknown, the next request opens a new one.
                Close();
                _request = null;
                throw;
            }
        }
    }

    /// <summary>
    /// A kept-alive connection the server closed while idle fails on first use, before any answer byte:
    /// that request is sent once more on a new connection. Nothing else is retried here.
    /// </summary>
    private static bool Retriable(Exception e, bool reused, int attempt) =>
        reused && attempt == 1 && e is ConnectionClosedBeforeAnswerException or SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown };

    private Socket Connected()
    {
        if (_socket is not null) return _socket;
        var address = IPAddress.TryParse(_host, out var parsed) ? parsed : Resolve(_host);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = _readTimeoutMs };
        try
        {
            var endpoint = new IPEndPoint(address, _port);
            // The Runtime API is on loopback in every sandbox: a blocking connect answers at once. Any other
            // address could be black-holed, so it gets a bounded connect.
            if (IPAddress.IsLoopback(address)) socket.Connect(endpoint);
            else if (!socket.ConnectAsync(endpoint).Wait(ConnectTimeout))
                throw new SocketException((int)SocketError.TimedOut);
        }
        catch (AggregateException e) when (e.InnerException is SocketException inner)
        {
            socket.Dispose();
            throw inner;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _start = _end = 0;
        return socket;
    }

    private static IPAddress Resolve(string host)
    {
        var addresses = Dns.GetHostAddresses(host);
        foreach (var a in addresses) if (a.AddressFamily == AddressFamily.InterNetwork) return a;
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }

    private byte[] Format(string method, string path, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        var head = new StringBuilder(256);
        head.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\nHost: ").Append(Authority).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            if (value.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException($"header {name} holds a line break");
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (method != "GET") head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetByteCount(head.ToString());
        var request = new byte[headBytes + body.Length];
        Encoding.ASCII.GetBytes(head.ToString(), request);
        body.CopyTo(request.AsSpan(headBytes));
        return request;
    }

    private RuntimeApiResponse ReadResponse(Socket socket)
    {
        _start = _end = 0;
        // Status line and headers.
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start >= MaxHeaderBytes) throw new RuntimeApiProtocolException($"answer headers longer than {MaxHeaderBytes} bytes");
            if (Fill(socket) == 0)
            {
                if (_end == 0) throw new ConnectionClosedBeforeAnswerException();
                throw new RuntimeApiProtocolException("connection closed in the middle of the answer headers");
            }
        }
        var head = Encoding.ASCII.GetString(_buffer, _start, headerEnd);
        _start += headerEnd + 4;
        var lines = head.Split("\r\n");
        var status = ParseStatusLine(lines[0], out var http10);
        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        long? contentLength = null;
        bool chunked = false, close = http10;
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon <= 0) throw new RuntimeApiProtocolException($"malformed header line '{Clip(lines[i])}'");
            var name = lines[i][..colon].Trim();
            var value = lines[i][(colon + 1)..].Trim();
            headers.Add(new(name, value));
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
                    throw new RuntimeApiProtocolException($"Content-Length '{Clip(value)}' is not a length");
                contentLength = length;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                close = value.Equals("close", StringComparison.OrdinalIgnoreCase) || (http10 && !value.Equals("keep-alive", StringComparison.OrdinalIgnoreCase));
        }

        byte[] body;
        if (status is 204 or 304 || (status >= 100 && status < 200)) body = [];
        else if (chunked) body = ReadChunked(socket);
        else if (contentLength is { } length)
        {
            if (length > MaxBodyBytes) throw new RuntimeApiProtocolException($"answer body of {length} bytes is over the {MaxBodyBytes}-byte limit");
            body = ReadExactly((int)length, socket);
        }
        else
        {
            body = ReadToClose(socket);
            close = true;
        }
        if (close) Close();
        return new RuntimeApiResponse(status, headers, body);
    }

    private static int ParseStatusLine(string line, out bool http10)
    {
        // "HTTP/1.1 200 OK": the reason phrase may be empty or missing.
        http10 = line.StartsWith("HTTP/1.0 ", StringComparison.Ordinal);
        if (!line.StartsWith("HTTP/1.", StringComparison.Ordinal) || line.Length < 12 || line[8] != ' ' ||
            !int.TryParse(line.AsSpan(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status) ||
            (line.Length > 12 && line[12] != ' '))
            throw new RuntimeApiProtocolException($"not an HTTP/1.x status line: '{Clip(line)}'");
        return status;
    }

    private byte[] ReadExactly(int length, Socket socket)
    {
        while (_end - _start < length)
        {
            if (Fill(socket) == 0)
                throw new RuntimeApiProtocolException($"connection closed after {_end - _start} of {length} body bytes");
        }
        var body = _buffer.AsSpan(_start, length).ToArray();
        _start += length;
        return body;
    }

    private byte[] ReadChunked(Socket socket)
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = ReadLine(socket);
            var semicolon = line.IndexOf(';'); // chunk extensions are ignored
            var size = semicolon >= 0 ? line[..semicolon].Trim() : line.Trim();
            if (!Utf8Parser.TryParse(Encoding.ASCII.GetBytes(size), out long chunk, out var consumed, 'x') || consumed != size.Length || chunk < 0)
                throw new RuntimeApiProtocolException($"chunk size '{Clip(size)}' is not hexadecimal");
            if (chunk == 0)
            {
                while (ReadLine(socket).Length > 0) { } // trailers
                return body.ToArray();
            }
            if (body.Length + chunk > MaxBodyBytes) throw new RuntimeApiProtocolException($"chunked answer body over the {MaxBodyBytes}-byte limit");
            body.Write(ReadExactly((int)chunk, socket));
            if (ReadLine(socket).Length != 0)
                throw new RuntimeApiProtocolException("chunk data not followed by CRLF");
        }
    }

    private string ReadLine(Socket socket)
    {
        int eol;
        while ((eol = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= MaxHeaderBytes) throw new RuntimeApiProtocolException("chunk framing line too long");
            if (Fill(socket) == 0)
                throw new RuntimeApiProtocolException("connection closed in the middle of a chunked answer");
        }
        var line = Encoding.ASCII.GetString(_buffer, _start, eol);
        _start += eol + 2;
        return line;
    }

    private byte[] ReadToClose(Socket socket)
    {
        while (Fill(socket) > 0)
        {
            if (_end - _start > MaxBodyBytes) throw new RuntimeApiProtocolException($"answer body over the {MaxBodyBytes}-byte limit");
        }
        var body = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end;
        return body;
    }

    /// <summary>Reads more bytes after the unread ones, compacting or growing the buffer; 0 at end of stream.</summary>
    private int Fill(Socket socket)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxBodyBytes + MaxHeaderBytes + 16));
        var read = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        _end += read;
        return read;
    }

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: the blocked receive has returned anyway.
        }
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static bool TrySplit(string hostAndPort, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535) return false;
        host = hostAndPort[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host.Length > 0;
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    public void Dispose() => Close();

    /// <summary>The server closed a kept-alive connection before sending a byte of the answer.</summary>
    private sealed class ConnectionClosedBeforeAnswerException() : IOException("the Runtime API closed the connection before answering");
}

/// <summary>An answer of the Runtime API: status, headers in order, body.</summary>
public sealed record RuntimeApiResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The first header of that name (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }
}

/// <summary>The Runtime API answered something that is not HTTP/1.1 as this client reads it.</summary>
public sealed class RuntimeApiProtocolException(string message) : IOException(message);
