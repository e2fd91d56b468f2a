using System.Text;

namespace Pulse.Tests;

/// <summary>A write-only stream standing in for stdout: thread-safe, readable as lines at any time.</summary>
internal sealed class CapturingStream : Stream
{
    private readonly MemoryStream _inner = new();
    private readonly object _gate = new();

    public List<string> Lines()
    {
        lock (_gate) return Encoding.UTF8.GetString(_inner.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_gate) _inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate) _inner.Write(buffer);
    }

    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
