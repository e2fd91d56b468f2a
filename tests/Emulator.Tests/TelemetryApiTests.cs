using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>Spec §4 and §5: subscription, buffering, delivery, retries, drops, the legacy Logs API.</summary>
public sealed class TelemetryApiTests
{
    private static string TypeOf(JsonObject e) => (string)e["type"]!;

    [Fact(Timeout = 60_000)]
    public async Task Subscriber_receives_replayed_init_events_then_invoke_events_and_log_lines_at_the_URI_path()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(path: "/my/path")));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        // report(1) is generated after the last /next, then the sandbox freezes: it arrives after the next thaw.
        // Invoke 2 sleeps well past the 25 ms buffering timeout: a faster one could freeze the sandbox again
        // before the batch is due, and report(1) would then wait for a third thaw that this test never causes.
        var (second, _) = await run.InvokeAsync("{\"sleep=0.2\":1}");
        await sink.WaitForAsync(e => TypeOf(e) == "platform.report" && (string?)e["record"]!["requestId"] == requestId);

        Assert.All(sink.Posts, p => Assert.Equal("/my/path", p.Path));
        Assert.All(sink.Hosts, h => Assert.Equal($"sandbox.localdomain:{sink.Port}", h));
        var platform = sink.Delivered().Where(e => TypeOf(e).StartsWith("platform.")).Select(TypeOf).ToList();
        Assert.Equal(new[]
        {
            "platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension", "platform.initReport",
            "platform.start", "platform.runtimeDone", "platform.report",
        }, platform.Take(8));
        var subscription = sink.Delivered().First(e => TypeOf(e) == "platform.telemetrySubscription")["record"]!;
        Assert.Equal("{\"name\":\"tel\",\"state\":\"Subscribed\",\"types\":[\"platform\",\"function\",\"extension\"]}", subscription.ToJsonString());
        Assert.Contains(sink.Delivered(), e => TypeOf(e) == "function" && (string?)e["record"] == $"handled {requestId}");
        Assert.Contains(sink.Delivered(), e => TypeOf(e) == "extension" && ((string?)e["record"])!.StartsWith("tel got"));
        // Every envelope: time in the platform's format, type, record.
        Assert.All(sink.Delivered(), e =>
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string?)e["time"]);
            Assert.Equal(new[] { "time", "type", "record" }, e.Select(p => p.Key));
        });
        // The record holds every delivery as it was sent.
        var recorded = run.Records("telemetry").Where(t => (bool)t["delivered"]!).SelectMany(t => t["records"]!.AsArray()).Count();
        Assert.Equal(sink.Delivered().Count, recorded);
        // report(1) arrived only after invoke 2 thawed the sandbox.
        var invoke2 = await run.WaitForRecordAsync("invoke", r => (string?)r["requestId"] == SandboxRun.RequestIdOf(second));
        var reportPost = sink.Posts.First(p => p.Batch.Any(e => TypeOf((JsonObject)e!) == "platform.report" && (string?)e!["record"]!["requestId"] == requestId));
        Assert.True(reportPost.At >= (double)invoke2["arrivedT"]!, "report(1) was delivered while the sandbox was frozen");
    }

    [Fact(Timeout = 60_000)]
    public async Task RuntimeDone_is_not_flushed_early_the_batch_waits_timeoutMs_from_its_first_event()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(types: "\"platform\"", timeoutMs: 1000)));
        await run.StartAsync();
        await sink.WaitForAsync(e => TypeOf(e) == "platform.initReport");
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        await sink.WaitForAsync(e => TypeOf(e) == "platform.runtimeDone" && (string?)e["record"]!["requestId"] == requestId);
        var start = await run.WaitForEventAsync("platform.start", requestId);
        var post = sink.Posts.First(p => p.Batch.Any(e => TypeOf((JsonObject)e!) == "platform.runtimeDone"));
        Assert.Equal("platform.start", TypeOf((JsonObject)post.Batch[0]!));
        Assert.True(post.At - (double)start["t"]! >= 995, $"the batch was sent {post.At - (double)start["t"]!} ms after its first event");
    }

    [Fact(Timeout = 60_000)]
    public async Task Batches_respect_maxItems()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(types: "\"function\"", timeoutMs: 500, maxItems: 1000, maxBytes: 1048576)));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("\"logs=2500\"");
        var requestId = SandboxRun.RequestIdOf(response);
        await run.InvokeAsync("{}");
        await sink.WaitForAsync(e => (string?)e["record"] == $"handled {requestId}");
        Assert.All(sink.Posts, p => Assert.InRange(p.Batch.Count, 1, 1000));
        Assert.Contains(sink.Posts, p => p.Batch.Count == 1000);
        Assert.Equal(2500, sink.Delivered().Count(e => ((string?)e["record"])!.StartsWith("log line ")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Batches_respect_maxBytes()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(types: "\"function\"", timeoutMs: 1000, maxItems: 10000, maxBytes: 262144)));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("\"logs=3000\"");
        var requestId = SandboxRun.RequestIdOf(response);
        await sink.WaitForAsync(e => (string?)e["record"] == $"handled {requestId}");
        var sizes = sink.Posts.Select(p => p.Batch.Sum(e => System.Text.Encoding.UTF8.GetByteCount(e!.ToJsonString()))).ToList();
        Assert.True(sizes.Count >= 2, "3,000 lines of ~190 bytes must need more than one batch of 256 KiB");
        Assert.All(sizes, size => Assert.InRange(size, 1, 262144));
        Assert.Equal(3000, sink.Delivered().Count(e => ((string?)e["record"])!.StartsWith("log line ")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Failed_deliveries_are_retried_with_the_same_records()
    {
        using var sink = new TelemetrySink(n => n <= 2 ? 500 : 200);
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(types: "\"platform\"")));
        await run.StartAsync();
        await run.InvokeAsync("{}");
        await sink.WaitForAsync(e => TypeOf(e) == "platform.initStart");
        var posts = sink.Posts;
        Assert.Equal(500, posts[0].Status);
        Assert.Equal(500, posts[1].Status);
        Assert.Equal(200, posts[2].Status);
        Assert.Equal(posts[0].Batch.ToJsonString(), posts[2].Batch.ToJsonString());
        var attempts = run.Records("telemetry").Take(3).Select(t => (int)t["attempt"]!).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, attempts);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_slow_consumer_loses_log_records_and_gets_platform_logsDropped()
    {
        var failing = true;
        using var sink = new TelemetrySink(_ => Volatile.Read(ref failing) ? 503 : 200);
        await using var run = new SandboxRun();
        run.Options.TelemetryQueueBytes = 262_144;
        run.Options.NoFreeze = true;
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: sink.Subscription(types: "\"platform\",\"function\"")));
        await run.StartAsync();
        await run.InvokeAsync("\"logs=4000\"");
        Volatile.Write(ref failing, false);
        var dropped = await sink.WaitForAsync(e => TypeOf(e) == "platform.logsDropped");
        Assert.True((long)dropped["record"]!["droppedRecords"]! > 0);
        Assert.True((long)dropped["record"]!["droppedBytes"]! > 0);
        Assert.Contains("dropped", (string?)dropped["record"]!["reason"]);
        Assert.True(sink.Delivered().Count(e => TypeOf(e) == "function") < 4000);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("{\"schemaVersion\":\"2099-01-01\",\"types\":[\"platform\"],\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "schemaVersion")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[],\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "types should not be empty")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\"],\"buffering\":{\"timeoutMs\":10},\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "timeoutMs")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\"],\"buffering\":{\"maxItems\":999},\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "maxItems")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\"],\"buffering\":{\"maxBytes\":2000000},\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "maxBytes")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\"],\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://example.com:4243\"}}", "host must be sandbox.localdomain")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\"],\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain\"}}", "port is not provided")]
    [InlineData("{\"schemaVersion\":\"2022-12-13\",\"types\":[\"bogus\"],\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:4243\"}}", "unknown type")]
    [InlineData("not json", "JSON")]
    public async Task Invalid_subscriptions_get_400_ValidationError(string body, string messagePart)
    {
        await using var run = new SandboxRun();
        run.AddExtension("tel", Scripts.Extension("tel", subscribe: body));
        await run.StartAsync();
        var line = run.Output.Lines.Single(l => l.StartsWith("subscribe "));
        Assert.StartsWith("subscribe 400 ", line);
        var error = JsonNode.Parse(line["subscribe 400 ".Length..])!;
        Assert.Equal("ValidationError", (string?)error["errorType"]);
        Assert.Contains(messagePart, (string?)error["errorMessage"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Subscribing_after_init_is_refused_with_SubscriptionClosed()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        run.AddExtension("tel", Scripts.Extension("tel", onInvoke: $"subscribe 2022-07-01/telemetry '{sink.Subscription()}'"));
        await run.StartAsync();
        await run.InvokeAsync("{}");
        await run.WaitForOutputAsync(l => l.StartsWith("subscribe "));
        var line = run.Output.Lines.Single(l => l.StartsWith("subscribe "));
        Assert.StartsWith("subscribe 403 ", line);
        Assert.Contains("Telemetry.SubscriptionClosed", line);
    }

    [Fact(Timeout = 60_000)]
    public async Task Logs_API_subscriber_gets_the_legacy_record_shapes()
    {
        using var sink = new TelemetrySink();
        await using var run = new SandboxRun();
        var logs = $$$"""{"schemaVersion":"2021-03-18","types":["platform","function"],"buffering":{"timeoutMs":25},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:{{{sink.Port}}}/logs"}}""";
        run.AddExtension("logs", """
            register logs '{"events":["INVOKE","SHUTDOWN"]}'
            """ + $"\nsubscribe 2020-08-15/logs '{logs}'\n" + """
            echo "telemetry-too $(curl -sS -o /dev/null -w '%{http_code}' -X PUT "http://$API/2022-07-01/telemetry" -H "Lambda-Extension-Identifier: $EXT_ID" -d '{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:4243"}}')"
            while true; do next_event; case "$EVENT" in *SHUTDOWN*) exit 0;; esac; done
            """);
        await run.StartAsync();
        Assert.Contains("subscribe 200 \"OK\"", run.Output.Lines);
        Assert.Contains("telemetry-too 400", run.Output.Lines);
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        await run.InvokeAsync("{\"sleep=0.2\":1}"); // thawed past the 25 ms batch timeout: report(1) is due while it runs
        var report = await sink.WaitForAsync(e => TypeOf(e) == "platform.report" && (string?)e["record"]!["requestId"] == requestId);
        Assert.NotNull(report["record"]!["metrics"]!["billedDurationMs"]);
        Assert.Null(report["record"]!["status"]);
        var types = sink.Delivered().Select(TypeOf).ToList();
        Assert.Contains("platform.logsSubscription", types);
        Assert.Contains("platform.end", types);
        Assert.DoesNotContain("platform.initStart", types);
        Assert.DoesNotContain("platform.telemetrySubscription", types);
        var done = sink.Delivered().First(e => TypeOf(e) == "platform.runtimeDone");
        Assert.Equal("{\"requestId\":\"" + requestId + "\",\"status\":\"success\"}", done["record"]!.ToJsonString());
    }
}
