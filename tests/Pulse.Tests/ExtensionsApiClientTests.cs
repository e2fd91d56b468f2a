using System.Text;
using Pulse.Lifecycle;

namespace Pulse.Tests;

public sealed class ExtensionsApiClientTests
{
    private static ExtensionEvent Parse(string json) => ExtensionsApiClient.ParseEvent(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parses_invoke_with_deadline_arn_and_trace()
    {
        var e = Assert.IsType<InvokeEvent>(Parse("""
            {"eventType":"INVOKE","deadlineMs":1700000003000,"requestId":"3da1f2dc-3222-475e-9205-e2e6c6318895",
             "invokedFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:ExtensionTest",
             "tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Sampled=1"}}
            """));
        Assert.Equal(("3da1f2dc-3222-475e-9205-e2e6c6318895", 1700000003000L), (e.RequestId, e.DeadlineMs));
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:ExtensionTest", e.InvokedFunctionArn);
        Assert.StartsWith("Root=1-5f35ae12", e.TraceId);
    }

    [Theory]
    [InlineData("spindown")]
    [InlineData("TIMEOUT")]
    [InlineData("Failure")]
    public void Parses_shutdown_reasons_case_insensitively(string reason)
    {
        var e = Assert.IsType<ShutdownEvent>(Parse($$"""{"eventType":"SHUTDOWN","shutdownReason":"{{reason}}","deadlineMs":"1700000005000"}"""));
        Assert.Equal(reason.ToLowerInvariant(), e.Reason);
        Assert.Equal(1700000005000L, e.DeadlineMs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"eventType\":\"INVOKE\"}")]
    [InlineData("{\"eventType\":\"RESTART\"}")]
    [InlineData("{\"requestId\":\"x\"}")]
    [InlineData("{\"eventType\":")]
    public void Rejects_what_is_not_an_event_with_one_exception_type(string json) =>
        Assert.Throws<ExtensionsApiException>(() => Parse(json));

    [Fact]
    public void The_subscription_body_has_the_schema_types_buffering_and_destination()
    {
        var body = Encoding.UTF8.GetString(ExtensionsApiClient.TelemetrySubscriptionBody(8999));
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal("http://sandbox.localdomain:8999/", doc.RootElement.GetProperty("destination").GetProperty("URI").GetString());
        Assert.Equal(25, doc.RootElement.GetProperty("buffering").GetProperty("timeoutMs").GetInt32());
    }
}
