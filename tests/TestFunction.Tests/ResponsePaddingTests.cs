using System.Text;
using System.Text.Json;
using Pulse.TestFunction;

namespace Pulse.TestFunction.Tests;

public sealed class ResponsePaddingTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"ok\":true,\"requestId\":\"r-1\"}");

    // The body is 29 bytes; the smallest padded body (an empty padding string) is 42.
    [Theory]
    [InlineData(42)]
    [InlineData(43)]
    [InlineData(100)]
    [InlineData(6 * 1024 * 1024 + 1)]
    public void Padding_makes_the_body_exactly_the_requested_size_and_keeps_it_json(int size)
    {
        var padded = ScriptRunner.Pad(Body, size);
        Assert.Equal(size, padded.Length);
        using var doc = JsonDocument.Parse(padded);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("r-1", doc.RootElement.GetProperty("requestId").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(41)]
    public void A_target_below_the_minimum_leaves_the_body_unchanged(int? size)
    {
        Assert.Equal(Body, ScriptRunner.Pad(Body, size));
    }
}
