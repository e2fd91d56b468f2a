using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;

namespace Pulse.Telemetry;

/// <summary>Outcome of reading one part of a request.</summary>
internal enum ReadStatus
{
    Ok,
    /// <summary>The peer closed the connection between requests (or mid-request).</summary>
    Closed,
    /// <summary>Not HTTP/1.x as we understand it; the connection is answered 400 and closed.</summary>
    Malformed,
    /// <summary>The body was larger than the limit: it was read and discarded.</summary>
    TooLarge,
}

internal readonly record struct RequestHead(ReadStatus Status, long ContentLength, bool Chunked, bool KeepAlive, bool ExpectContinue, string? Problem = null);

internal readonly record struct RequestBody(ReadStatus Status, ReadOnlyMemory<byte> Body, string? Problem = null);

/// <summary>
/// Reads HTTP/1.1 requests from one connection into pooled buffers: the head (request line and headers,
/// of which only Content-Length, Transfer-Encoding, Connection and Expect matter) and the body, either
/// Content-Length or chunked. One instance per connection, one request at a time.
/// </summary>
internal sealed class HttpConnectionReader : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private byte[]? _body;

    public HttpConnectionReader(Socket socket, byte[] buffer)
    {
        _socket = socket;
        _buffer = buffer;
    }

    public async ValueTask<RequestHead> ReadRequestAsync(CancellationToken cancellationToken)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start >= TelemetryHttpServer.MaxHeaderBytes)
                return new RequestHead(ReadStatus.Malformed, 0, false, false, false, "request head larger than 16 KiB");
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                return new RequestHead(ReadStatus.Closed, 0, false, false, false);
        }
        var head = ParseHead(_buffer.AsSpan(_start, headerEnd));
        _start += headerEnd + 4;
        return head;
    }

    private static RequestHead ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var versionAt = requestLine.LastIndexOf((byte)' ');
        if (versionAt <= 0 || !requestLine[(versionAt + 1)..].StartsWith("HTTP/1."u8))
            return new RequestHead(ReadStatus.Malformed, 0, false, false, false, "not an HTTP/1.x request line");
        var keepAlive = requestLine.EndsWith("HTTP/1.1"u8);
        long contentLength = 0;
        var chunked = false;
        var expectContinue = false;
        var rest = lineEnd < 0 ? ReadOnlySpan<byte>.Empty : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlySpan<byte>.Empty : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
            if (System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out var consumed) || consumed != value.Length || contentLength < 0)
                    return new RequestHead(ReadStatus.Malformed, 0, false, false, false, "bad Content-Length");
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                chunked = ContainsIgnoreCase(value, "chunked"u8);
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (ContainsIgnoreCase(value, "close"u8)) keepAlive = false;
                else if (ContainsIgnoreCase(value, "keep-alive"u8)) keepAlive = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "expect"u8))
            {
                expectContinue = ContainsIgnoreCase(value, "100-continue"u8);
            }
        }
        return new RequestHead(ReadStatus.Ok, contentLength, chunked, keepAlive, expectContinue);
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerNeedle)
    {
        for (var i = 0; i + lowerNeedle.Length <= value.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(value.Slice(i, lowerNeedle.Length), lowerNeedle)) return true;
        }
        return false;
    }

    public async ValueTask<RequestBody> ReadBodyAsync(RequestHead head, int maxBytes, CancellationToken cancellationToken)
    {
        if (head.Chunked) return await ReadChunkedAsync(maxBytes, cancellationToken).ConfigureAwait(false);
        if (head.ContentLength == 0) return new RequestBody(ReadStatus.Ok, ReadOnlyMemory<byte>.Empty);
        if (head.ContentLength > maxBytes)
        {
            return await DiscardAsync(head.ContentLength, cancellationToken).ConfigureAwait(false)
                ? new RequestBody(ReadStatus.TooLarge, default, $"body of {head.ContentLength} bytes is over the {maxBytes}-byte limit")
                : new RequestBody(ReadStatus.Closed, default);
        }
        var length = (int)head.ContentLength;
        EnsureBody(length, 0);
        return await ReadExactAsync(_body.AsMemory(0, length), cancellationToken).ConfigureAwait(false)
            ? new RequestBody(ReadStatus.Ok, _body.AsMemory(0, length))
            : new RequestBody(ReadStatus.Closed, default);
    }

    public void ReleaseBody()
    {
        if (_body is null) return;
        ArrayPool<byte>.Shared.Return(_body);
        _body = null;
    }

    private async ValueTask<RequestBody> ReadChunkedAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (sizeLine < 0) return new RequestBody(ReadStatus.Closed, default);
            var line = _buffer.AsSpan(_start, sizeLine);
            var semicolon = line.IndexOf((byte)';');
            if (semicolon >= 0) line = line[..semicolon];
            if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out var consumed, 'x') || consumed == 0 || size < 0)
                return new RequestBody(ReadStatus.Malformed, default, "bad chunk size");
            _start += sizeLine + 2;
            if (size == 0)
            {
                // Trailers, then the empty line.
                while (true)
                {
                    var trailer = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    if (trailer < 0) return new RequestBody(ReadStatus.Closed, default);
                    _start += trailer + 2;
                    if (trailer == 0) break;
                }
                return tooLarge
                    ? new RequestBody(ReadStatus.TooLarge, default, $"chunked body over the {maxBytes}-byte limit")
                    : new RequestBody(ReadStatus.Ok, _body is null ? ReadOnlyMemory<byte>.Empty : _body.AsMemory(0, length));
            }
            if (tooLarge || length + size > maxBytes)
            {
                tooLarge = true;
                if (!await DiscardAsync(size, cancellationToken).ConfigureAwait(false)) return new RequestBody(ReadStatus.Closed, default);
            }
            else
            {
                EnsureBody(length + (int)size, length);
                if (!await ReadExactAsync(_body.AsMemory(length, (int)size), cancellationToken).ConfigureAwait(false))
                    return new RequestBody(ReadStatus.Closed, default);
                length += (int)size;
            }
            var crlf = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (crlf != 0) return new RequestBody(crlf < 0 ? ReadStatus.Closed : ReadStatus.Malformed, default, "chunk not followed by CRLF");
            _start += 2;
        }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_body))]
    private void EnsureBody(int needed, int keep)
    {
        if (_body is not null && _body.Length >= needed) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _body is null ? 4096 : _body.Length * 2));
        if (_body is not null)
        {
            _body.AsSpan(0, keep).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_body);
        }
        _body = bigger;
    }

    /// <summary>Length of the next line (without CRLF) at _start, reading more as needed; -1 when the peer closed.</summary>
    private async ValueTask<int> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= TelemetryHttpServer.MaxHeaderBytes) return -1;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false)) return -1;
        }
        return end;
    }

    private async ValueTask<bool> ReadExactAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(destination.Span);
        _start += buffered;
        var filled = buffered;
        while (filled < destination.Length)
        {
            var read = await _socket.ReceiveAsync(destination[filled..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            filled += read;
        }
        return true;
    }

    private async ValueTask<bool> DiscardAsync(long count, CancellationToken cancellationToken)
    {
        var buffered = (int)Math.Min(count, _end - _start);
        _start += buffered;
        count -= buffered;
        while (count > 0)
        {
            _start = _end = 0;
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(0, (int)Math.Min(count, _buffer.Length)), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            count -= read;
        }
        return true;
    }

    /// <summary>Reads more bytes after _end, compacting first; false when the peer closed.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) return false;
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (read == 0) return false;
        _end += read;
        return true;
    }

    public void Dispose() => ReleaseBody();
}
