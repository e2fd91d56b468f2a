using System.Globalization;
using System.Text;

namespace Pulse.Benchmarks.Micro;

/// <summary>
/// Realistic Telemetry API batches (shapes from shared/spec/lambda-platform.md §4.5): per invocation a
/// platform.start, a function log line, a platform.runtimeDone with its spans and a platform.report.
/// </summary>
public static class TelemetryBatches
{
    public const int EventsPerInvocation = 4;

    public static byte[] Build(int invocations)
    {
        var json = new StringBuilder("[");
        var time = new DateTimeOffset(2026, 5, 20, 16, 29, 45, TimeSpan.Zero);
        for (var i = 0; i < invocations; i++)
        {
            var id = RequestId(i);
            var t0 = Iso(time.AddMilliseconds(i * 20));
            var t1 = Iso(time.AddMilliseconds(i * 20 + 2));
            var t2 = Iso(time.AddMilliseconds(i * 20 + 11));
            var t3 = Iso(time.AddMilliseconds(i * 20 + 12));
            if (i > 0) json.Append(',');
            // Plain concatenation: the JSON's own braces make interpolated literals unreadable.
            json.Append("{\"time\":\"" + t0 + "\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"" + id
                + "\",\"version\":\"$LATEST\",\"tracing\":{\"spanId\":\"2be948a625588e32\",\"type\":\"X-Amzn-Trace-Id\","
                + "\"value\":\"Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=1\"}}},");
            json.Append("{\"time\":\"" + t1 + "\",\"type\":\"function\",\"record\":\"" + t1 + "\\t" + id
                + "\\tINFO\\thandled order " + i.ToString(CultureInfo.InvariantCulture) + "\\n\"},");
            json.Append("{\"time\":\"" + t2 + "\",\"type\":\"platform.runtimeDone\",\"record\":{\"requestId\":\"" + id
                + "\",\"status\":\"success\",\"spans\":[{\"name\":\"responseLatency\",\"start\":\"" + t0 + "\",\"durationMs\":2.215},"
                + "{\"name\":\"responseDuration\",\"start\":\"" + t1 + "\",\"durationMs\":0.056},"
                + "{\"name\":\"runtimeOverhead\",\"start\":\"" + t1 + "\",\"durationMs\":8.686}],"
                + "\"metrics\":{\"durationMs\":11.185,\"producedBytes\":40}}},");
            json.Append("{\"time\":\"" + t3 + "\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"" + id
                + "\",\"status\":\"success\",\"metrics\":{\"durationMs\":11.642,\"billedDurationMs\":12,\"memorySizeMB\":128,"
                + "\"maxMemoryUsedMB\":67" + (i == 0 ? ",\"initDurationMs\":174.055" : "") + "}}}");
        }
        json.Append(']');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    public static string RequestId(int i) => $"4b14{i:x8}-e9f4-11e8-9739-2dfe598c3fcd";

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
