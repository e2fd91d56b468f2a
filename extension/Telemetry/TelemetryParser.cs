using System.Text.Json;

namespace Pulse.Telemetry;

/// <summary>
/// Turns one Telemetry API batch (a JSON array of envelopes) into typed events. A hand-rolled
/// Utf8JsonReader dispatch on the envelope's <c>type</c>, then a hand-rolled read of the
/// <c>record</c> alone (no serializer: smaller binary, no per-record metadata): envelope fields may come in any order, an unknown type or a bad record skips
/// that record only (counted), and a syntax error keeps the records read before it. Never throws.
/// ([JsonPolymorphic] would need the discriminator first or out-of-order metadata buffering, and an
/// unknown discriminator fails the whole array.)
/// </summary>
public sealed class TelemetryParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    public TelemetryParser(TelemetryCounters counters) => Counters = counters;

    public TelemetryCounters Counters { get; }

    /// <summary>Appends the events of <paramref name="body"/> to <paramref name="events"/>.</summary>
    public void Parse(ReadOnlySpan<byte> body, List<TelemetryEvent> events)
    {
        Counters.Batch();
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                Counters.MalformedOne();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Counters.Record();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Counters.MalformedOne();
                    reader.Skip();
                    continue;
                }
                var parsed = ParseEnvelope(ref reader, body);
                if (parsed is not null) events.Add(parsed);
            }
        }
        catch (JsonException)
        {
            // A syntax error: what was read before it stands, the rest of the batch is lost.
            Counters.MalformedOne();
        }
    }

    private TelemetryEvent? ParseEnvelope(ref Utf8JsonReader reader, ReadOnlySpan<byte> body)
    {
        var type = EventType.Missing;
        DateTimeOffset? time = null;
        Utf8JsonReader recordReader = default;
        var hasRecord = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.TokenType == JsonTokenType.String ? Classify(ref reader) : EventType.Unknown;
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var parsed)) time = parsed;
            }
            else if (reader.ValueTextEquals("record"u8))
            {
                reader.Read();
                recordReader = reader;
                hasRecord = true;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        var when = time ?? DateTimeOffset.UtcNow;
        switch (type)
        {
            case EventType.Ignored:
                return null;
            case EventType.Missing or EventType.Unknown:
                Counters.UnknownOne();
                return null;
            case EventType.Function:
                return hasRecord ? ParseFunctionLog(recordReader, body, when) : null;
        }
        if (!hasRecord || recordReader.TokenType != JsonTokenType.StartObject)
        {
            if (type == EventType.RestoreStart) return new RestoreStartEvent(when);
            Counters.MalformedOne();
            return null;
        }
        // The record is read from a copy of the reader: the envelope loop above already moved past it.
        var record = PlatformRecordReader.Read(ref recordReader);
        var result = ToEvent(type, when, record);
        if (result is null) Counters.MalformedOne();
        return result;
    }

    private TelemetryEvent? ToEvent(EventType type, DateTimeOffset time, PlatformRecord r)
    {
        switch (type)
        {
            case EventType.InitStart:
                return new InitStartEvent(time, r.InitializationType, r.Phase, r.RuntimeVersion);
            case EventType.InitRuntimeDone:
                return new InitRuntimeDoneEvent(time, r.InitializationType, r.Phase, r.Status, r.ErrorType);
            case EventType.InitReport:
                return new InitReportEvent(time, r.InitializationType, r.Phase, r.Status, r.ErrorType, r.DurationMs);
            case EventType.RestoreStart:
                return new RestoreStartEvent(time);
            case EventType.RestoreRuntimeDone:
                return new RestoreRuntimeDoneEvent(time, r.Status, r.ErrorType);
            case EventType.RestoreReport:
                return new RestoreReportEvent(time, r.Status, r.ErrorType, r.DurationMs);
            case EventType.Start:
                return string.IsNullOrEmpty(r.RequestId) ? null : new StartEvent(time, r.RequestId, r.Version);
            case EventType.RuntimeDone:
                if (string.IsNullOrEmpty(r.RequestId)) return null;
                return new RuntimeDoneEvent(time, r.RequestId, r.Status, r.ErrorType, r.DurationMs, r.ProducedBytes,
                    r.ResponseLatencyMs, r.ResponseDurationMs, r.RuntimeOverheadMs);
            case EventType.Report:
                if (string.IsNullOrEmpty(r.RequestId)) return null;
                return new ReportEvent(time, r.RequestId, r.Status, r.ErrorType, r.DurationMs, r.BilledDurationMs,
                    r.MemorySizeMb, r.MaxMemoryUsedMb, r.InitDurationMs, r.RestoreDurationMs, r.BilledRestoreDurationMs);
            case EventType.LogsDropped:
                Counters.DroppedByPlatformAdd((long)Math.Max(0, r.DroppedRecords ?? 0));
                return new LogsDroppedEvent(time, r.DroppedRecords ?? 0, r.DroppedBytes ?? 0, r.Reason);
            default:
                return null;
        }
    }

    /// <summary>A function log record (text or JSON object): only out-of-memory lines become events.</summary>
    private static OutOfMemoryLogEvent? ParseFunctionLog(Utf8JsonReader record, ReadOnlySpan<byte> body, DateTimeOffset time)
    {
        ReadOnlySpan<byte> raw;
        if (record.TokenType == JsonTokenType.String)
        {
            raw = record.HasValueSequence ? ReadOnlySpan<byte>.Empty : record.ValueSpan;
        }
        else if (record.TokenType == JsonTokenType.StartObject)
        {
            var start = (int)record.TokenStartIndex;
            var end = record;
            end.Skip();
            raw = body[start..(int)end.BytesConsumed];
        }
        else
        {
            return null;
        }
        if (!OutOfMemoryPatterns.Matches(raw)) return null;
        return new OutOfMemoryLogEvent(time, OutOfMemoryPatterns.FindRequestId(raw));
    }

    private static EventType Classify(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("function"u8)) return EventType.Function;
        if (reader.ValueTextEquals("platform.report"u8)) return EventType.Report;
        if (reader.ValueTextEquals("platform.runtimeDone"u8)) return EventType.RuntimeDone;
        if (reader.ValueTextEquals("platform.start"u8)) return EventType.Start;
        if (reader.ValueTextEquals("platform.initStart"u8)) return EventType.InitStart;
        if (reader.ValueTextEquals("platform.initRuntimeDone"u8)) return EventType.InitRuntimeDone;
        if (reader.ValueTextEquals("platform.initReport"u8)) return EventType.InitReport;
        if (reader.ValueTextEquals("platform.restoreStart"u8)) return EventType.RestoreStart;
        if (reader.ValueTextEquals("platform.restoreRuntimeDone"u8)) return EventType.RestoreRuntimeDone;
        if (reader.ValueTextEquals("platform.restoreReport"u8)) return EventType.RestoreReport;
        if (reader.ValueTextEquals("platform.logsDropped"u8)) return EventType.LogsDropped;
        if (reader.ValueTextEquals("extension"u8)
            || reader.ValueTextEquals("platform.extension"u8)
            || reader.ValueTextEquals("platform.telemetrySubscription"u8)
            || reader.ValueTextEquals("platform.logsSubscription"u8)
            || reader.ValueTextEquals("platform.fault"u8)
            || reader.ValueTextEquals("platform.end"u8))
            return EventType.Ignored;
        return EventType.Unknown;
    }

    private enum EventType
    {
        Missing,
        Unknown,
        Ignored,
        Function,
        InitStart,
        InitRuntimeDone,
        InitReport,
        RestoreStart,
        RestoreRuntimeDone,
        RestoreReport,
        Start,
        RuntimeDone,
        Report,
        LogsDropped,
    }
}
