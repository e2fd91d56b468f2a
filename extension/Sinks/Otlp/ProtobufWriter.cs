using System.Buffers.Binary;
using System.Text;

namespace Pulse.Sinks.Otlp;

/// <summary>
/// A minimal protocol-buffers writer: varints, fixed64, doubles, strings and length-delimited nested
/// messages. A nested message is written in place and its length prefix inserted when it ends, so one
/// buffer holds the whole request. Hand-written because Google.Protobuf plus generated OTLP classes would
/// add far more binary than the handful of messages Pulse writes (see extension/Sinks/README.md).
/// </summary>
internal sealed class ProtobufWriter
{
    private const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2;

    private byte[] _buffer = new byte[4096];
    private int _length;

    public int Length => _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Starts field <paramref name="field"/> as a nested message; pass the result to <see cref="EndMessage"/>.</summary>
    public int BeginMessage(int field)
    {
        WriteTag(field, WireLengthDelimited);
        return _length;
    }

    public void EndMessage(int start)
    {
        var payload = _length - start;
        var prefix = VarintSize((ulong)payload);
        Ensure(prefix);
        Buffer.BlockCopy(_buffer, start, _buffer, start + prefix, payload);
        var end = _length;
        _length = start;
        WriteVarint((ulong)payload);
        _length = end + prefix;
    }

    public void WriteString(int field, string value)
    {
        WriteTag(field, WireLengthDelimited);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)byteCount);
        Ensure(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void WriteBool(int field, bool value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(value ? 1UL : 0UL);
    }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint((ulong)value);
    }

    public void WriteFixed64(int field, ulong value)
    {
        WriteTag(field, WireFixed64);
        WriteRawFixed64(value);
    }

    public void WriteDouble(int field, double value) => WriteFixed64(field, BitConverter.DoubleToUInt64Bits(value));

    /// <summary>A packed repeated fixed64 field (bucket_counts).</summary>
    public void WritePackedFixed64(int field, ReadOnlySpan<ulong> values)
    {
        if (values.IsEmpty) return;
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)(values.Length * 8));
        foreach (var value in values) WriteRawFixed64(value);
    }

    private void WriteRawFixed64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80) { value >>= 7; size++; }
        return size;
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }
}
