using System.Text;
using Pulse.Telemetry;

namespace Pulse.Tests;

public sealed class TelemetryParserTests
{
    private static (List<TelemetryEvent> Events, TelemetryCounters Counters) Parse(string body)
    {
        var counters = new TelemetryCounters();
        var events = new List<TelemetryEvent>();
        new TelemetryParser(counters).Parse(Encoding.UTF8.GetBytes(body), events);
        return (events, counters);
    }

    [Fact]
    public void Parses_the_real_cold_start_sequence()
    {
        // The CloudWatch JSON-format capture of spec §4.5, verbatim shapes.
        var (events, counters) = Parse("""
            [{"time":"2024-05-20T16:29:45.008Z","type":"platform.start","record":{"requestId":"4b14","version":"$LATEST"}},
             {"time":"2024-05-20T16:29:45.019Z","type":"platform.runtimeDone","record":{"requestId":"4b14","status":"success",
               "spans":[{"name":"responseLatency","start":"2024-05-20T16:29:45.008Z","durationMs":2.215},
                        {"name":"responseDuration","start":"2024-05-20T16:29:45.010Z","durationMs":0.056},
                        {"name":"runtimeOverhead","start":"2024-05-20T16:29:45.010Z","durationMs":8.686}],
               "metrics":{"durationMs":11.185,"producedBytes":40}}},
             {"time":"2024-05-20T16:29:45.022Z","type":"platform.report","record":{"requestId":"4b14","status":"success",
               "metrics":{"durationMs":11.642,"billedDurationMs":12,"memorySizeMB":128,"maxMemoryUsedMB":67,"initDurationMs":174.055}}}]
            """);
        Assert.Equal(3, counters.Records);
        Assert.Equal(0, counters.Malformed);
        var start = Assert.IsType<StartEvent>(events[0]);
        Assert.Equal("4b14", start.RequestId);
        Assert.Equal(new DateTimeOffset(2024, 5, 20, 16, 29, 45, 8, TimeSpan.Zero), start.Time);
        var done = Assert.IsType<RuntimeDoneEvent>(events[1]);
        Assert.Equal(("success", 11.185, 40.0, 2.215, 0.056, 8.686), (done.Status, done.DurationMs, done.ProducedBytes, done.ResponseLatencyMs, done.ResponseDurationMs, done.RuntimeOverheadMs));
        var report = Assert.IsType<ReportEvent>(events[2]);
        Assert.Equal((11.642, 12.0, 128.0, 67.0, 174.055), (report.DurationMs, report.BilledDurationMs, report.MemorySizeMb, report.MaxMemoryUsedMb, report.InitDurationMs));
    }

    [Fact]
    public void Envelope_fields_may_come_in_any_order_and_times_may_carry_microseconds()
    {
        var (events, _) = Parse("""[{"record":{"requestId":"r1","status":"timeout","metrics":{"durationMs":5001.182}},"type":"platform.runtimeDone","time":"2024-05-20T16:29:45.123456Z"}]""");
        var done = Assert.IsType<RuntimeDoneEvent>(Assert.Single(events));
        Assert.Equal("timeout", done.Status);
        Assert.Equal(new DateTimeOffset(2024, 5, 20, 16, 29, 45, TimeSpan.Zero).AddTicks(1234560), done.Time);
    }

    [Fact]
    public void Unknown_and_malformed_records_are_skipped_and_counted_without_losing_the_others()
    {
        var (events, counters) = Parse("""
            [{"time":"2024-05-20T16:29:45.008Z","type":"platform.somethingNew","record":{"x":1}},
             42,
             {"time":"2024-05-20T16:29:45.008Z","type":"platform.start","record":"not an object"},
             {"time":"2024-05-20T16:29:45.008Z","type":"platform.report","record":{"status":"success"}},
             {"time":"2024-05-20T16:29:45.008Z","type":"platform.extension","record":{"name":"pulse","state":"Ready","events":["INVOKE","SHUTDOWN"]}},
             {"time":"2024-05-20T16:29:45.008Z","type":"platform.runtimeDone","record":{"requestId":"ok","status":"success","metrics":{"durationMs":"7.5","producedBytes":{"odd":true}}}}]
            """);
        var done = Assert.IsType<RuntimeDoneEvent>(Assert.Single(events));
        Assert.Equal(7.5, done.DurationMs);          // numeric string accepted
        Assert.Null(done.ProducedBytes);             // wrong type ignored, record kept
        Assert.Equal(6, counters.Records);
        Assert.Equal(1, counters.Unknown);
        Assert.Equal(3, counters.Malformed);         // 42, the string record, the report without requestId
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("not json at all")]
    [InlineData("\"OK\"")]
    public void A_body_that_is_not_an_array_is_one_malformed_batch(string body)
    {
        var (events, counters) = Parse(body);
        Assert.Empty(events);
        Assert.Equal(1, counters.Malformed);
    }

    [Fact]
    public void A_syntax_error_keeps_the_records_read_before_it()
    {
        var (events, counters) = Parse("""[{"time":"2024-05-20T16:29:45.008Z","type":"platform.start","record":{"requestId":"a"}},{"time":"2024-05-20T1""");
        Assert.IsType<StartEvent>(Assert.Single(events));
        Assert.Equal(1, counters.Malformed);
    }

    [Fact]
    public void Out_of_memory_log_lines_are_found_in_text_and_json_records()
    {
        var (events, counters) = Parse("""
            [{"time":"2024-05-20T16:29:45.008Z","type":"function","record":"2024-05-20T16:29:45.008Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tERROR\tjava.lang.OutOfMemoryError: Java heap space\n"},
             {"time":"2024-05-20T16:29:45.009Z","type":"function","record":{"timestamp":"x","level":"ERROR","requestId":"9476a536-e9f4-11e8-9739-2dfe598c3fcd","message":"Unhandled OutOfMemoryException"}},
             {"time":"2024-05-20T16:29:45.010Z","type":"function","record":"just a normal line about memory"},
             {"time":"2024-05-20T16:29:45.011Z","type":"function","record":"fatal error: runtime: out of memory"}]
            """);
        Assert.Equal(3, events.Count);
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", Assert.IsType<OutOfMemoryLogEvent>(events[0]).RequestId);
        Assert.Equal("9476a536-e9f4-11e8-9739-2dfe598c3fcd", Assert.IsType<OutOfMemoryLogEvent>(events[1]).RequestId);
        Assert.Null(Assert.IsType<OutOfMemoryLogEvent>(events[2]).RequestId);
        Assert.Equal(0, counters.Malformed);
    }

    [Fact]
    public void Init_restore_and_dropped_events_are_typed()
    {
        var (events, counters) = Parse(TelemetryJson.Batch(
            TelemetryJson.InitStart(), TelemetryJson.InitReport(174.5, status: "error", errorType: "Runtime.Unknown"),
            TelemetryJson.RestoreStart(), TelemetryJson.RestoreReport(300.25),
            """{"time":"2024-05-20T16:29:45.008Z","type":"platform.logsDropped","record":{"droppedBytes":1024,"droppedRecords":7,"reason":"slow consumer"}}"""));
        Assert.Equal("python:3.12.v20", Assert.IsType<InitStartEvent>(events[0]).RuntimeVersion);
        var init = Assert.IsType<InitReportEvent>(events[1]);
        Assert.Equal(("error", "Runtime.Unknown", 174.5), (init.Status, init.ErrorType, init.DurationMs));
        Assert.IsType<RestoreStartEvent>(events[2]);
        Assert.Equal(300.25, Assert.IsType<RestoreReportEvent>(events[3]).DurationMs);
        Assert.Equal(7, Assert.IsType<LogsDroppedEvent>(events[4]).DroppedRecords);
        Assert.Equal(7, counters.DroppedByPlatform);
    }
}
