using System.Text.Json;

namespace Pulse.Telemetry;

/// <summary>
/// Reads a platform event's <c>record</c> object into a <see cref="PlatformRecord"/> with Utf8JsonReader:
/// known properties by name (camelCase, as the platform sends them), everything else skipped. Values of
/// the wrong type are ignored; only a syntax error throws (a JsonException, handled by the caller).
/// </summary>
internal static class PlatformRecordReader
{
    /// <summary>The reader is on the record's StartObject; on return it is on the matching EndObject.</summary>
    public static PlatformRecord Read(ref Utf8JsonReader reader)
    {
        var record = new PlatformRecord();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("requestId"u8)) record.RequestId = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("status"u8)) record.Status = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("errorType"u8)) record.ErrorType = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("metrics"u8)) ReadMetrics(ref reader, record);
            else if (reader.ValueTextEquals("spans"u8)) ReadSpans(ref reader, record);
            else if (reader.ValueTextEquals("initializationType"u8)) record.InitializationType = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("phase"u8)) record.Phase = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("runtimeVersion"u8)) record.RuntimeVersion = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("version"u8)) record.Version = JsonValues.String(ref reader);
            else if (reader.ValueTextEquals("droppedRecords"u8)) record.DroppedRecords = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("droppedBytes"u8)) record.DroppedBytes = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("reason"u8)) record.Reason = JsonValues.String(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return record;
    }

    private static void ReadMetrics(ref Utf8JsonReader reader, PlatformRecord record)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("durationMs"u8)) record.DurationMs = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("billedDurationMs"u8)) record.BilledDurationMs = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("memorySizeMB"u8)) record.MemorySizeMb = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("maxMemoryUsedMB"u8)) record.MaxMemoryUsedMb = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("initDurationMs"u8)) record.InitDurationMs = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("restoreDurationMs"u8)) record.RestoreDurationMs = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("billedRestoreDurationMs"u8)) record.BilledRestoreDurationMs = JsonValues.Number(ref reader);
            else if (reader.ValueTextEquals("producedBytes"u8)) record.ProducedBytes = JsonValues.Number(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadSpans(ref Utf8JsonReader reader, PlatformRecord record)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            var kind = 0;
            double? duration = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    kind = reader.TokenType != JsonTokenType.String ? 0
                        : reader.ValueTextEquals("responseLatency"u8) ? 1
                        : reader.ValueTextEquals("responseDuration"u8) ? 2
                        : reader.ValueTextEquals("runtimeOverhead"u8) ? 3 : 0;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                }
                else if (reader.ValueTextEquals("durationMs"u8))
                {
                    duration = JsonValues.Number(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            switch (kind)
            {
                case 1: record.ResponseLatencyMs ??= duration; break;
                case 2: record.ResponseDurationMs ??= duration; break;
                case 3: record.RuntimeOverheadMs ??= duration; break;
            }
        }
    }
}
