using System.Text.Json;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// What the emulator's --record file says happened (schema: tests/Emulator/README.md). Every line has
/// "t" (CLOCK_MONOTONIC ms) and "kind"; the harness reads three things from it: the platform events
/// as generated (kind "event": runtimeDone, report, initReport), and the Extensions API calls
/// (lines with "method" and "path"): /register and /event/next, with the time they were received.
/// </summary>
public sealed class GroundTruth
{
    public List<ApiCall> Calls { get; } = [];
    public Dictionary<string, double> RuntimeDoneMs { get; } = [];
    public Dictionary<string, double> ReportMs { get; } = [];
    /// <summary>Request ids in the order their report was generated.</summary>
    public List<string> ReportOrder { get; } = [];
    /// <summary>platform.initReport metrics.durationMs, one per init, in order.</summary>
    public List<double> InitDurationsMs { get; } = [];
    public int MalformedLines { get; private set; }

    /// <summary>
    /// post_runtime_extensions_duration per invocation, as the platform defines it:
    /// report.durationMs − runtimeDone.durationMs, in report order (first invocation first).
    /// </summary>
    public List<double> PostRuntimeMs() =>
        ReportOrder.Where(RuntimeDoneMs.ContainsKey).Select(id => ReportMs[id] - RuntimeDoneMs[id]).ToList();

    public IEnumerable<ApiCall> ExtensionRegisters() =>
        Calls.Where(c => c.Method == "POST" && c.Path.EndsWith("/extension/register", StringComparison.Ordinal));

    public IEnumerable<ApiCall> ExtensionNexts() =>
        Calls.Where(c => c.Method == "GET" && c.Path.EndsWith("/extension/event/next", StringComparison.Ordinal));

    public static GroundTruth Read(string path)
    {
        var truth = new GroundTruth();
        if (!File.Exists(path)) return truth;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                truth.Add(document.RootElement);
            }
            catch (JsonException)
            {
                truth.MalformedLines++; // the last line of a killed run may be torn
            }
        }
        return truth;
    }

    private void Add(JsonElement line)
    {
        if (line.ValueKind != JsonValueKind.Object || !line.TryGetProperty("t", out var tElement) || !tElement.TryGetDouble(out var t)) return;
        var kind = line.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;

        if (line.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String
            && line.TryGetProperty("path", out var pathElement) && pathElement.ValueKind == JsonValueKind.String)
        {
            var status = line.TryGetProperty("status", out var s) && s.TryGetInt32(out var code) ? code : 0;
            Calls.Add(new ApiCall(t, method.GetString()!, StripQuery(pathElement.GetString()!), status));
            return;
        }

        if (kind != "event" || !line.TryGetProperty("type", out var typeElement) || !line.TryGetProperty("record", out var record)
            || record.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        switch (typeElement.GetString())
        {
            case "platform.runtimeDone" when RequestId(record) is { } id && DurationMs(record) is { } duration:
                RuntimeDoneMs[id] = duration;
                break;
            case "platform.report" when RequestId(record) is { } id && DurationMs(record) is { } duration:
                if (!ReportMs.ContainsKey(id)) ReportOrder.Add(id);
                ReportMs[id] = duration;
                break;
            case "platform.initReport" when DurationMs(record) is { } duration:
                InitDurationsMs.Add(duration);
                break;
        }
    }

    private static string? RequestId(JsonElement record) =>
        record.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static double? DurationMs(JsonElement record) =>
        record.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object
        && metrics.TryGetProperty("durationMs", out var duration) && duration.TryGetDouble(out var ms) ? ms : null;

    private static string StripQuery(string path) => path.IndexOf('?') is var q and >= 0 ? path[..q] : path;
}
