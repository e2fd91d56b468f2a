namespace Pulse.Sinks.Tests;

/// <summary>What the scripted receiver does with one request.</summary>
internal sealed record ReceiverAction
{
    public enum Kinds { Respond, Hang, Reset }

    public Kinds Kind { get; private init; }
    public int Status { get; private init; } = 200;
    public TimeSpan Delay { get; private init; }
    public string? RetryAfter { get; private init; }
    public byte[] Body { get; private init; } = [];
    public string? ContentType { get; private init; }

    public static ReceiverAction Ok { get; } = new();
    public static ReceiverAction Hang { get; } = new() { Kind = Kinds.Hang };
    /// <summary>Reads the request, then resets the connection (RST) without an answer.</summary>
    public static ReceiverAction Reset { get; } = new() { Kind = Kinds.Reset };
    public static ReceiverAction Respond(int status, string? retryAfter = null) => new() { Status = status, RetryAfter = retryAfter };
    public static ReceiverAction SlowOk(TimeSpan delay) => new() { Delay = delay };
    /// <summary>200 with a body (an OTLP partial success, say).</summary>
    public static ReceiverAction OkWithBody(string contentType, byte[] body) => new() { ContentType = contentType, Body = body };
}
