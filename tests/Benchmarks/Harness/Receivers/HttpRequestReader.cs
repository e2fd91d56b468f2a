using System.Globalization;
using System.Text;

namespace Pulse.Benchmarks.Harness.Receivers;

/// <summary>
/// Reads HTTP/1.1 requests off one connection, one at a time, and discards them: the head up to the
/// blank line, then a Content-Length or chunked body. Returns the body length, or null at end of stream.
/// </summary>
internal sealed class HttpRequestReader(Stream stream)
{
    private const int MaxHeadBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public async Task<long?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        var head = await ReadLineBlockAsync(cancellationToken);
        if (head is null) return null;
        long? contentLength = null;
        var chunked = false;
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                contentLength = length;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                     && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
        }
        if (chunked) return await SkipChunkedAsync(cancellationToken);
        var total = contentLength ?? 0;
        await SkipAsync(total, cancellationToken);
        return total;
    }

    private async Task<long> SkipChunkedAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken) ?? throw new InvalidDataException("connection closed inside a chunked body");
            var size = long.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers end with an empty line.
                while (!string.IsNullOrEmpty(await ReadLineAsync(cancellationToken))) { }
                return total;
            }
            await SkipAsync(size, cancellationToken);
            total += size;
            await ReadLineAsync(cancellationToken); // the CRLF after the chunk
        }
    }

    private async Task SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) throw new InvalidDataException("connection closed inside a body");
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private async Task<string?> ReadLineBlockAsync(CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null) return head.Length == 0 ? null : throw new InvalidDataException("connection closed inside a request head");
            if (line.Length == 0)
            {
                if (head.Length == 0) continue; // stray CRLF between requests
                return head.ToString();
            }
            head.Append(line).Append("\r\n");
            if (head.Length > MaxHeadBytes) throw new InvalidDataException("request head too large");
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) return line.Length == 0 ? null : line.ToString();
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.ASCII.GetString(_buffer, _start, stop - _start));
            _start = newline < 0 ? _end : newline + 1;
            if (newline >= 0) return line.ToString().TrimEnd('\r');
            if (line.Length > MaxHeadBytes) throw new InvalidDataException("header line too long");
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }
}
