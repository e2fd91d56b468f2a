using System.Text.Json;

namespace Pulse.Sinks.Otlp;

/// <summary>
/// Reads the <c>partial_success</c> of an OTLP ExportMetricsServiceResponse: a 2xx in which the backend says
/// it refused some data points (<c>rejected_data_points</c>, with an <c>error_message</c>). An empty or
/// unreadable body is a plain success: the request was accepted, only details could be missing.
/// </summary>
public static class OtlpPartialSuccess
{
    public static ExportResult Read(byte[] body, OtlpProtocol protocol)
    {
        if (body.Length == 0) return ExportResult.Ok;
        var (rejected, message) = protocol == OtlpProtocol.HttpJson ? FromJson(body) : FromProtobuf(body);
        if (rejected <= 0 && string.IsNullOrEmpty(message)) return ExportResult.Ok;
        // A message without rejected points is a warning: the delivery logs it once.
        return new ExportResult(ExportStatus.Success, string.IsNullOrEmpty(message) ? null : message, RejectedPoints: Math.Max(0, rejected));
    }

    /// <summary>ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; } with { int64 rejected_data_points = 1; string error_message = 2; }.</summary>
    internal static (long Rejected, string? Message) FromProtobuf(ReadOnlySpan<byte> body)
    {
        try
        {
            var position = 0;
            while (position < body.Length)
            {
                var tag = ReadVarint(body, ref position);
                if (tag == (1 << 3 | 2))
                {
                    var length = checked((int)ReadVarint(body, ref position));
                    return PartialSuccessFields(body.Slice(position, length));
                }
                Skip(body, ref position, (int)(tag & 7));
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or FormatException)
        {
        }
        return (0, null);
    }

    private static (long, string?) PartialSuccessFields(ReadOnlySpan<byte> message)
    {
        long rejected = 0;
        string? text = null;
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            if (tag == (1 << 3 | 0)) rejected = (long)ReadVarint(message, ref position);
            else if (tag == (2 << 3 | 2))
            {
                var length = checked((int)ReadVarint(message, ref position));
                text = System.Text.Encoding.UTF8.GetString(message.Slice(position, length));
                position += length;
            }
            else Skip(message, ref position, (int)(tag & 7));
        }
        return (rejected, text);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new FormatException("varint longer than 10 bytes");
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(data, ref position); break;
            case 1: position += 8; break;
            case 2: position += checked((int)ReadVarint(data, ref position)); break;
            case 5: position += 4; break;
            default: throw new FormatException($"wire type {wireType}");
        }
        if (position > data.Length) throw new ArgumentOutOfRangeException(nameof(data));
    }

    /// <summary>The proto3 JSON mapping: {"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"…"}} (int64 as a string or a number).</summary>
    internal static (long Rejected, string? Message) FromJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (0, null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("partialSuccess"u8) && !reader.ValueTextEquals("partial_success"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) return (0, null);
                long rejected = 0;
                string? message = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("rejectedDataPoints"u8) || reader.ValueTextEquals("rejected_data_points"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.Number) reader.TryGetInt64(out rejected);
                        else if (reader.TokenType == JsonTokenType.String) long.TryParse(reader.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out rejected);
                    }
                    else if (reader.ValueTextEquals("errorMessage"u8) || reader.ValueTextEquals("error_message"u8))
                    {
                        reader.Read();
                        message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                return (rejected, message);
            }
        }
        catch (JsonException)
        {
        }
        return (0, null);
    }
}
