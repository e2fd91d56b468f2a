using System.Globalization;

namespace Pulse.Tests;

/// <summary>Telemetry API payloads in the platform's shapes (spec §4.5), for tests.</summary>
internal static class TelemetryJson
{
    public static readonly DateTimeOffset T0 = new(2024, 5, 20, 16, 29, 45, 8, TimeSpan.Zero);

    public static string Time(double msAfterT0) => T0.AddMilliseconds(msAfterT0).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Batch(params string[] events) => "[" + string.Join(",", events) + "]";

    private static string N(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Envelope(double at, string type, string record) =>
        "{\"time\":\"" + Time(at) + "\",\"type\":\"" + type + "\",\"record\":" + record + "}";

    private static string ErrorType(string? errorType) => errorType is null ? "" : ",\"errorType\":\"" + errorType + "\"";

    public static string Start(string id, double at = 0) =>
        Envelope(at, "platform.start", "{\"requestId\":\"" + id + "\",\"version\":\"$LATEST\"}");

    public static string RuntimeDone(string id, double at = 11, string status = "success", double duration = 11.185, string? errorType = null, int producedBytes = 40) =>
        Envelope(at, "platform.runtimeDone",
            "{\"requestId\":\"" + id + "\",\"status\":\"" + status + "\"" + ErrorType(errorType) +
            ",\"spans\":[{\"name\":\"responseLatency\",\"start\":\"" + Time(0) + "\",\"durationMs\":2.215}," +
            "{\"name\":\"responseDuration\",\"start\":\"" + Time(2) + "\",\"durationMs\":0.056}," +
            "{\"name\":\"runtimeOverhead\",\"start\":\"" + Time(2) + "\",\"durationMs\":8.686}]," +
            "\"metrics\":{\"durationMs\":" + N(duration) + ",\"producedBytes\":" + producedBytes + "}}");

    public static string Report(string id, double at = 14, string status = "success", double duration = 11.642, int billed = 12, int memory = 128,
        int maxUsed = 67, double? init = null, string? errorType = null) =>
        Envelope(at, "platform.report",
            "{\"requestId\":\"" + id + "\",\"status\":\"" + status + "\"" + ErrorType(errorType) +
            ",\"metrics\":{\"durationMs\":" + N(duration) + ",\"billedDurationMs\":" + billed + ",\"memorySizeMB\":" + memory +
            ",\"maxMemoryUsedMB\":" + maxUsed + (init is null ? "" : ",\"initDurationMs\":" + N(init.Value)) + "}}");

    public static string InitStart(string type = "on-demand", string phase = "init", string runtimeVersion = "python:3.12.v20") =>
        Envelope(-200, "platform.initStart",
            "{\"initializationType\":\"" + type + "\",\"phase\":\"" + phase + "\",\"runtimeVersion\":\"" + runtimeVersion + "\"}");

    public static string InitReport(double duration, string status = "success", string phase = "init", string type = "on-demand", string? errorType = null) =>
        Envelope(-20, "platform.initReport",
            "{\"initializationType\":\"" + type + "\",\"phase\":\"" + phase + "\",\"status\":\"" + status + "\"" + ErrorType(errorType) +
            ",\"metrics\":{\"durationMs\":" + N(duration) + "}}");

    public static string RestoreStart() => Envelope(-100, "platform.restoreStart", "{}");

    public static string RestoreReport(double duration) =>
        Envelope(-10, "platform.restoreReport", "{\"status\":\"success\",\"metrics\":{\"durationMs\":" + N(duration) + "}}");

    public static string FunctionLog(string text) =>
        Envelope(5, "function", System.Text.Json.JsonSerializer.Serialize(text, TestJsonContext.Default.String));
}
