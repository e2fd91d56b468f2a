using System.Text;
using Pulse.Sinks;
using Pulse.Sinks.Otlp;

namespace Pulse.Sinks.Tests;

/// <summary>The partial_success of an OTLP export answer, in both encodings, and answers that carry none or garbage.</summary>
public sealed class OtlpPartialSuccessTests
{
    /// <summary>ExportMetricsServiceResponse{ partial_success(1) { rejected_data_points(1) = rejected, error_message(2) = message } }.</summary>
    private static byte[] Protobuf(long rejected, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var inner = new List<byte> { 1 << 3 | 0 };
        for (var v = (ulong)rejected; ; v >>= 7)
        {
            if (v < 0x80) { inner.Add((byte)v); break; }
            inner.Add((byte)(v & 0x7F | 0x80));
        }
        inner.Add(2 << 3 | 2);
        inner.Add((byte)text.Length);
        inner.AddRange(text);
        // An unknown field before it (field 7, varint) must be skipped.
        return [7 << 3 | 0, 42, 1 << 3 | 2, (byte)inner.Count, .. inner];
    }

    [Fact]
    public void Protobuf_partial_success_gives_the_rejected_count_and_the_message()
    {
        var result = OtlpPartialSuccess.Read(Protobuf(300, "unit not allowed"), OtlpProtocol.HttpProtobuf);

        Assert.Equal((ExportStatus.Success, 300L, "unit not allowed"), (result.Status, result.RejectedPoints, result.Detail));
    }

    [Theory]
    [InlineData("{\"partialSuccess\":{\"rejectedDataPoints\":\"4\",\"errorMessage\":\"too old\"}}", 4, "too old")]
    [InlineData("{\"partialSuccess\":{\"rejectedDataPoints\":4}}", 4, null)]
    [InlineData("{\"other\":[1,2],\"partial_success\":{\"rejected_data_points\":\"1\",\"error_message\":\"x\"}}", 1, "x")]
    [InlineData("{\"partialSuccess\":{\"errorMessage\":\"deprecated attribute\"}}", 0, "deprecated attribute")]
    public void Json_partial_success_is_read_in_the_proto3_json_mapping(string body, long rejected, string? message)
    {
        var result = OtlpPartialSuccess.Read(Encoding.UTF8.GetBytes(body), OtlpProtocol.HttpJson);

        Assert.Equal((ExportStatus.Success, rejected, message), (result.Status, result.RejectedPoints, result.Detail));
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpJson, "")]
    [InlineData(OtlpProtocol.HttpJson, "{}")]
    [InlineData(OtlpProtocol.HttpJson, "{\"partialSuccess\":{}}")]
    [InlineData(OtlpProtocol.HttpJson, "not json at all")]
    [InlineData(OtlpProtocol.HttpJson, "{\"partialSuccess\":{\"rejectedDataPoints\":")]
    [InlineData(OtlpProtocol.HttpProtobuf, "")]
    public void Answers_without_a_readable_partial_success_are_plain_successes(OtlpProtocol protocol, string body)
    {
        Assert.Equal(ExportResult.Ok, OtlpPartialSuccess.Read(Encoding.UTF8.GetBytes(body), protocol));
    }

    [Fact]
    public void Truncated_or_malformed_protobuf_is_a_plain_success()
    {
        var whole = Protobuf(3, "bad");
        Assert.Equal(ExportResult.Ok, OtlpPartialSuccess.Read(whole[..^2], OtlpProtocol.HttpProtobuf));
        Assert.Equal(ExportResult.Ok, OtlpPartialSuccess.Read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], OtlpProtocol.HttpProtobuf));
        Assert.Equal(ExportResult.Ok, OtlpPartialSuccess.Read([1 << 3 | 2, 100, 1], OtlpProtocol.HttpProtobuf));
    }
}
