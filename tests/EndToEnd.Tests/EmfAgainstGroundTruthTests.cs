using System.Text.Json;

namespace Pulse.EndToEnd.Tests;

/// <summary>
/// Every EMF value Pulse writes, compared with what the emulator generated: integers exact, durations within
/// 1 ms, one line per invocation, nothing missing after SHUTDOWN.
/// </summary>
public sealed class EmfAgainstGroundTruthTests
{
    [Fact]
    public async Task Cold_and_warm_success_and_function_error_match_the_platform_events()
    {
        await using var run = await SandboxRun.StartAsync(memoryMb: 256);
        var cold = await run.InvokeAsync("""{"sleepMs":20,"responseBytes":1500}""");
        var warm = await run.InvokeAsync("""{"sleepMs":40}""");
        var error = await run.InvokeAsync("""{"error":"declined","errorType":"Function.Declined"}""");
        var last = await run.InvokeAsync("""{"allocateMb":32}""");
        Assert.Equal(200, cold.Status);
        Assert.False(cold.FunctionError);
        Assert.True(error.FunctionError, "a function error is answered with X-Amz-Function-Error");
        await run.ShutdownAsync();

        var emf = run.EmfLines();
        var reports = run.Events("platform.report").ToDictionary(r => r.GetProperty("requestId").GetString()!);
        var runtimeDones = run.Events("platform.runtimeDone").ToDictionary(r => r.GetProperty("requestId").GetString()!);
        var initReport = Assert.Single(run.Events("platform.initReport"));

        foreach (var (id, isError, isCold) in new[] { (cold.RequestId, false, true), (warm.RequestId, false, false),
                     (error.RequestId, true, false), (last.RequestId, false, false) })
        {
            // One line per invocation, including the last one, whose REPORT only comes after SHUTDOWN.
            var line = Assert.Single(emf, l => Str(l, "requestId") == id && l.TryGetProperty("invocations", out _));
            var report = reports[id].GetProperty("metrics");
            var done = runtimeDones[id];
            var doneMetrics = done.GetProperty("metrics");

            Assert.Equal(1, Num(line, "invocations"));
            Assert.Equal(isError ? 1 : 0, Num(line, "errors"));
            Assert.Equal(0, Num(line, "timeouts"));
            Assert.Equal(isCold ? "true" : "false", Str(line, "cold_start"));
            Assert.Equal(report.GetProperty("billedDurationMs").GetDouble(), Num(line, "billed_duration"));
            Assert.Equal(report.GetProperty("maxMemoryUsedMB").GetDouble(), Num(line, "max_memory_used"));
            Assert.Equal(report.GetProperty("memorySizeMB").GetDouble(), Num(line, "memorysize"));
            Assert.Equal(256, Num(line, "memorysize"));
            Assert.InRange(Num(line, "duration") - report.GetProperty("durationMs").GetDouble(), -1, 1);
            Assert.InRange(Num(line, "runtime_duration") - doneMetrics.GetProperty("durationMs").GetDouble(), -1, 1);
            var postRuntime = report.GetProperty("durationMs").GetDouble() - doneMetrics.GetProperty("durationMs").GetDouble();
            Assert.InRange(Num(line, "post_runtime_duration") - postRuntime, -1, 1);
            if (doneMetrics.TryGetProperty("producedBytes", out var produced))
                Assert.Equal(produced.GetDouble(), Num(line, "produced_bytes"));
            Assert.True(Num(line, "estimated_cost") > 0, "estimated_cost is positive");
            Assert.Equal("e2e", Str(line, "function_name"));
            Assert.Equal("eu-west-1", Str(line, "region"));

            if (isCold)
                Assert.InRange(Num(line, "init_duration") - initReport.GetProperty("metrics").GetProperty("durationMs").GetDouble(), -1, 1);
            else
                Assert.False(line.TryGetProperty("init_duration", out _), "init_duration only on the cold invocation");

            // EMF validity: the timestamp is the invocation's event time, not the flush time.
            var timestamp = line.GetProperty("_aws").GetProperty("Timestamp").GetInt64();
            var start = DateTimeOffset.Parse(StartTime(run, id));
            Assert.InRange(timestamp - start.ToUnixTimeMilliseconds(), -1000, 1000);
        }
        Assert.Contains(emf, l => l.TryGetProperty("shutdowns", out _));
    }

    [Fact]
    public async Task A_timeout_is_counted_once_with_the_platform_status()
    {
        await using var run = await SandboxRun.StartAsync(timeoutSeconds: 1);
        var warmup = await run.InvokeAsync("""{"sleepMs":5}""");
        var timedOut = await run.InvokeAsync("""{"timeout":true}""");
        var after = await run.InvokeAsync("""{"sleepMs":5}""");
        Assert.True(timedOut.FunctionError, "a timeout is answered as a function error");
        Assert.False(after.FunctionError, $"the invocation after the reset succeeds: {after.Body}");
        await run.ShutdownAsync();

        var emf = run.EmfLines();
        Assert.Equal(1, emf.Where(l => Str(l, "requestId") == timedOut.RequestId).Sum(l => Num(l, "timeouts")));
        Assert.Equal(1, emf.Where(l => Str(l, "requestId") == timedOut.RequestId).Sum(l => Num(l, "errors")));
        Assert.Equal(0, emf.Where(l => Str(l, "requestId") == warmup.RequestId).Sum(l => Num(l, "timeouts")));
        Assert.Contains(emf, l => Str(l, "requestId") == after.RequestId && l.TryGetProperty("duration", out _));
    }

    [Fact]
    public async Task A_crash_is_an_error_and_an_allocation_past_the_memory_cap_is_out_of_memory()
    {
        await using var run = await SandboxRun.StartAsync(memoryMb: 128, memoryCap: true);
        var crash = await run.InvokeAsync("""{"crash":true}""");
        var oom = await run.InvokeAsync("""{"allocateMb":400}""");
        var fine = await run.InvokeAsync("""{"sleepMs":5}""");
        Assert.True(crash.FunctionError);
        Assert.True(oom.FunctionError);
        await run.ShutdownAsync();

        var emf = run.EmfLines();
        var oomEvents = run.Events("platform.runtimeDone").Where(r => r.GetProperty("requestId").GetString() == oom.RequestId).ToList();
        Assert.Contains(oomEvents, r => r.TryGetProperty("errorType", out var t) && t.GetString() == "Runtime.OutOfMemory");
        Assert.Equal(1, emf.Where(l => Str(l, "requestId") == crash.RequestId).Sum(l => Num(l, "errors")));
        Assert.Equal(0, emf.Where(l => Str(l, "requestId") == crash.RequestId).Sum(l => Num(l, "out_of_memory")));
        Assert.Equal(1, emf.Where(l => Str(l, "requestId") == oom.RequestId).Sum(l => Num(l, "out_of_memory")));
        Assert.Equal(0, emf.Where(l => Str(l, "requestId") == fine.RequestId).Sum(l => Num(l, "errors")));
    }

    private static string StartTime(SandboxRun run, string requestId) =>
        File.ReadLines(run.RecordPath).Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .First(r => r.GetProperty("kind").GetString() == "event" && r.GetProperty("type").GetString() == "platform.start"
                        && r.GetProperty("record").GetProperty("requestId").GetString() == requestId)
            .GetProperty("time").GetString()!;

    private static string? Str(JsonElement line, string name) =>
        line.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A metric's value; EMF writes repeated values as an array, which are summed here.</summary>
    private static double Num(JsonElement line, string name)
    {
        if (!line.TryGetProperty(name, out var v)) return 0;
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Sum(x => x.GetDouble()) : v.GetDouble();
    }
}
