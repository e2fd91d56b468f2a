namespace Pulse.Telemetry;

/// <summary>Receives what the telemetry HTTP server read: the raw JSON body of each batch, or that a request could not be read.</summary>
public interface ITelemetryBatchHandler
{
    /// <summary>The body of one POST, already answered 200. The span is only valid during the call.</summary>
    void OnBatch(ReadOnlySpan<byte> body);

    /// <summary>A request that was answered but whose body could not be used (malformed HTTP, over the size limit).</summary>
    void OnUnreadableRequest(string problem);
}
