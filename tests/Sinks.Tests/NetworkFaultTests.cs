using System.Diagnostics;
using System.Text.Json;
using Pulse.Flushing;
using Pulse.Sinks.Datadog;
using Pulse.Sinks.Otlp;
using Pulse.Testing;

namespace Pulse.Sinks.Tests;

/// <summary>
/// The real sinks and delivery against local receivers that misbehave: down, 5xx, 429 + Retry-After, hang,
/// slow, reset, a kept-alive connection that died, a backend that comes back. Each flush must end within its
/// budget (with a generous tolerance for a loaded machine: it only has to tell "bounded" from "held"), and
/// every point must be acknowledged exactly once by the receiver or counted as dropped.
/// </summary>
public sealed class NetworkFaultTests : IAsyncLifetime
{
    private const int TestTimeoutMs = 90_000;
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(1_000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The first request of the process JITs the whole HTTP stack, which on a loaded machine can take longer
    // than a short flush budget; every test starts after one warm-up exchange so its budgets measure the
    // delivery, not the JIT.
    private static readonly Lazy<Task> HttpWarmUp = new(async () =>
    {
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Ok);
        foreach (var protocol in new[] { OtlpProtocol.HttpJson, OtlpProtocol.HttpProtobuf })
        {
            var settings = new OtlpSettings { MetricsEndpoint = OtlpSettings.AppendMetricsPath(receiver.BaseUri), Protocol = protocol };
            var delivery = new NetworkDelivery(new OtlpSink(settings, _ => { }), new NetworkDeliveryOptions(), _ => { });
            delivery.Enqueue(TestPoints.Numbered(1));
            await delivery.FlushAsync(DateTimeOffset.UtcNow.AddSeconds(30), cancellationToken: CancellationToken.None);
        }
    });

    public async ValueTask InitializeAsync() => await HttpWarmUp.Value.WaitAsync(TimeSpan.FromSeconds(60));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static NetworkDeliveryOptions FastOptions => new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        BreakerFailureThreshold = 100,
        RequestTimeout = TimeSpan.FromSeconds(4),
    };

    private static NetworkDelivery OtlpDelivery(Uri baseUri, RecordingLog log, NetworkDeliveryOptions? options = null)
    {
        var settings = new OtlpSettings { MetricsEndpoint = OtlpSettings.AppendMetricsPath(baseUri), Protocol = OtlpProtocol.HttpJson };
        return new NetworkDelivery(new OtlpSink(settings, log.Write), options ?? FastOptions, log.Write);
    }

    /// <summary>The point values an OTLP/JSON request carried (each test point has a distinct value).</summary>
    private static IEnumerable<double> OtlpValues(ReceivedRequest request)
    {
        using var json = JsonDocument.Parse(request.DecodedBody());
        var values = new List<double>();
        foreach (var resource in json.RootElement.GetProperty("resourceMetrics").EnumerateArray())
        foreach (var scope in resource.GetProperty("scopeMetrics").EnumerateArray())
        foreach (var metric in scope.GetProperty("metrics").EnumerateArray())
        foreach (var point in metric.GetProperty("histogram").GetProperty("dataPoints").EnumerateArray())
            values.Add(point.GetProperty("sum").GetDouble());
        return values;
    }

    /// <summary>Flushes with a budget and checks that the flush returned within it.</summary>
    private static async Task<TimeSpan> FlushWithinBudgetAsync(NetworkDelivery delivery, int budgetMs, bool final = false)
    {
        var watch = Stopwatch.StartNew();
        await delivery.FlushAsync(DateTimeOffset.UtcNow.AddMilliseconds(budgetMs), final, Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        watch.Stop();
        Assert.True(watch.Elapsed <= TimeSpan.FromMilliseconds(budgetMs) + Tolerance,
            $"a flush with a {budgetMs} ms budget took {watch.Elapsed.TotalMilliseconds:0} ms");
        return watch.Elapsed;
    }

    /// <summary>Later invocations: flushes with pauses until the buffer is empty (bounded).</summary>
    private static async Task DrainAsync(NetworkDelivery delivery, int budgetMs = 3_000)
    {
        for (var i = 0; i < 40 && delivery.GetStats().BufferedPoints > 0; i++)
        {
            await Task.Delay(250, Ct);
            await FlushWithinBudgetAsync(delivery, budgetMs);
        }
        Assert.Equal(0, delivery.GetStats().BufferedPoints);
    }

    private static void AssertExactlyOnceOrDropped(ScriptedReceiver receiver, NetworkDelivery delivery, int total, Func<ReceivedRequest, IEnumerable<double>> values)
    {
        var delivered = receiver.Acknowledged.SelectMany(values).ToList();
        var duplicates = delivered.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"delivered more than once: {string.Join(", ", duplicates)}");
        var stats = delivery.GetStats();
        Assert.Equal(stats.SentPoints, delivered.Count);
        Assert.Equal(total, delivered.Count + stats.DroppedPoints);
        Assert.Equal(0, stats.BufferedPoints);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Receiver_down_then_back_delivers_everything_once()
    {
        var log = new RecordingLog();
        await using var receiver = new ScriptedReceiver(_ => ReceiverAction.Ok);   // not started: the port refuses
        var delivery = OtlpDelivery(receiver.BaseUri, log);
        delivery.Enqueue(TestPoints.Numbered(30));

        await FlushWithinBudgetAsync(delivery, 1_000);
        Assert.Equal(30, delivery.GetStats().BufferedPoints);
        Assert.Equal(1, log.Count("delivery failed"));

        receiver.Start();
        delivery.Enqueue(TestPoints.Numbered(10, first: 31));
        await DrainAsync(delivery);
        AssertExactlyOnceOrDropped(receiver, delivery, 40, OtlpValues);
        Assert.Equal(0, delivery.GetStats().DroppedPoints);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Server_errors_are_retried_on_later_flushes_until_the_backend_recovers()
    {
        var log = new RecordingLog();
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) <= 3 ? ReceiverAction.Respond(500) : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, log);
        delivery.Enqueue(TestPoints.Numbered(20));

        await FlushWithinBudgetAsync(delivery, 3_000);
        Assert.Single(receiver.Received);               // one attempt per flush, never a retry loop inside it
        await DrainAsync(delivery);

        AssertExactlyOnceOrDropped(receiver, delivery, 20, OtlpValues);
        Assert.True(delivery.GetStats().RetriedPoints >= 60);
        Assert.Equal(1, log.Count("HTTP 500"));         // one line for the failure streak, not one per attempt
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Status_429_with_retry_after_is_honoured()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) == 1 ? ReceiverAction.Respond(429, retryAfter: "2") : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(5));

        await FlushWithinBudgetAsync(delivery, 3_000);
        await Task.Delay(300, Ct);                       // past the 50-200 ms back-off, well before Retry-After
        await FlushWithinBudgetAsync(delivery, 1_000);
        Assert.Single(receiver.Received);

        await Task.Delay(2_200, Ct);
        await FlushWithinBudgetAsync(delivery, 3_000);
        Assert.Equal(2, receiver.Received.Count);
        AssertExactlyOnceOrDropped(receiver, delivery, 5, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_hanging_receiver_costs_at_most_the_budget()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) == 1 ? ReceiverAction.Hang : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(12));

        await FlushWithinBudgetAsync(delivery, 500);
        Assert.Equal(12, delivery.GetStats().BufferedPoints);

        await DrainAsync(delivery);
        AssertExactlyOnceOrDropped(receiver, delivery, 12, OtlpValues);
        Assert.Equal(1, receiver.Abandoned);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_slow_answer_beyond_the_budget_is_abandoned_and_sent_again_later()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) == 1 ? ReceiverAction.SlowOk(TimeSpan.FromSeconds(2)) : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(8));

        await FlushWithinBudgetAsync(delivery, 400);
        await DrainAsync(delivery, budgetMs: 1_500);    // shorter than the slow answer, whichever flush meets it

        // The receiver saw the client leave before its 2 s answer, so it did not count that copy.
        await WaitUntilAsync(() => receiver.Abandoned == 1);
        AssertExactlyOnceOrDropped(receiver, delivery, 8, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_slow_answer_within_the_budget_is_waited_for()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) == 1 ? ReceiverAction.SlowOk(TimeSpan.FromSeconds(2)) : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(8));

        var elapsed = await FlushWithinBudgetAsync(delivery, 6_000);

        Assert.True(elapsed >= TimeSpan.FromSeconds(1.5), $"the answer came after 2 s, the flush ended after {elapsed}");
        Assert.Single(receiver.Received);
        AssertExactlyOnceOrDropped(receiver, delivery, 8, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_connection_reset_is_retried_once_on_a_fresh_connection()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) == 1 ? ReceiverAction.Reset : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(6));

        await FlushWithinBudgetAsync(delivery, 3_000);

        Assert.Equal(0, delivery.GetStats().BufferedPoints);     // delivered in the same flush
        Assert.Equal(2, receiver.Received.Count);
        Assert.NotEqual(receiver.Received[0].ConnectionId, receiver.Received[1].ConnectionId);
        AssertExactlyOnceOrDropped(receiver, delivery, 6, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_kept_alive_connection_closed_while_frozen_is_replaced_without_losing_the_flush()
    {
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(5));
        await FlushWithinBudgetAsync(delivery, 3_000);
        Assert.Equal(1, receiver.ConnectionsAccepted);

        receiver.AbortConnections();                      // the backend dropped the idle connection during the freeze
        delivery.Enqueue(TestPoints.Numbered(5, first: 6));
        await FlushWithinBudgetAsync(delivery, 3_000);

        var stats = delivery.GetStats();
        Assert.Equal(0, stats.BufferedPoints);
        Assert.Equal(0, stats.FailedRequests);
        Assert.Equal(2, receiver.ConnectionsAccepted);
        AssertExactlyOnceOrDropped(receiver, delivery, 10, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_kept_alive_connection_that_dies_under_a_request_is_retried_on_a_fresh_one()
    {
        var resets = 0;
        // The second request on a connection is read and then reset: to the client the connection looked
        // alive until it sent on it, which is what a connection frozen mid-life looks like on thaw.
        await using var receiver = ScriptedReceiver.Start(r => r.IndexOnConnection == 2 && Interlocked.Increment(ref resets) == 1 ? ReceiverAction.Reset : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog());
        delivery.Enqueue(TestPoints.Numbered(5));
        await FlushWithinBudgetAsync(delivery, 3_000);
        delivery.Enqueue(TestPoints.Numbered(5, first: 6));
        await FlushWithinBudgetAsync(delivery, 3_000);

        var stats = delivery.GetStats();
        Assert.Equal(1, resets);
        Assert.Equal(0, stats.BufferedPoints);
        Assert.Equal(0, stats.FailedRequests);
        AssertExactlyOnceOrDropped(receiver, delivery, 10, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_open_circuit_sends_nothing_to_a_dead_backend()
    {
        var log = new RecordingLog();
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Respond(503));
        var options = FastOptions with { BreakerFailureThreshold = 3, BreakerOpenDuration = TimeSpan.FromMinutes(5) };
        var delivery = OtlpDelivery(receiver.BaseUri, log, options);
        delivery.Enqueue(TestPoints.Numbered(4));

        for (var i = 0; i < 3; i++)
        {
            await FlushWithinBudgetAsync(delivery, 1_000);
            await Task.Delay(300, Ct);
        }
        Assert.True(delivery.GetStats().CircuitOpen);
        for (var i = 0; i < 10; i++) await FlushWithinBudgetAsync(delivery, 1_000);

        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal(1, log.Count("circuit open"));
        Assert.Equal(4, delivery.GetStats().BufferedPoints);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_payload_too_large_is_split_until_the_backend_takes_it_and_nothing_is_dropped()
    {
        var log = new RecordingLog();
        // The backend takes at most 3 points per request and answers 413 above that.
        await using var receiver = ScriptedReceiver.Start(r => OtlpValues(r).Count() > 3 ? ReceiverAction.Respond(413) : ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, log, FastOptions with { MaxBatchPoints = 16 });
        delivery.Enqueue(TestPoints.Numbered(20));

        await FlushWithinBudgetAsync(delivery, 3_000);
        await DrainAsync(delivery);

        AssertExactlyOnceOrDropped(receiver, delivery, 20, OtlpValues);
        Assert.Equal(0, delivery.GetStats().DroppedPoints);
        Assert.All(receiver.Acknowledged, r => Assert.InRange(OtlpValues(r).Count(), 1, 3));
        // 16 → 8 → 4 → 2: three refusals, each logged once with the new limit; later requests fit at once.
        Assert.Equal(3, receiver.Received.Count(r => OtlpValues(r).Count() > 3));
        Assert.Equal(3, log.Count("too large"));
        Assert.Equal(1, log.Count("at most 2 points"));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_single_point_too_large_is_dropped_and_counted()
    {
        var log = new RecordingLog();
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Respond(413));
        var delivery = OtlpDelivery(receiver.BaseUri, log, FastOptions with { MaxBatchPoints = 2 });
        delivery.Enqueue(TestPoints.Numbered(2));

        await FlushWithinBudgetAsync(delivery, 3_000);

        // 2 points refused → limit 1; each single point refused → dropped for good.
        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal(2, delivery.GetStats().DroppedRejectedPoints);
        AssertExactlyOnceOrDropped(receiver, delivery, 2, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_otlp_partial_success_counts_the_refused_points_as_rejected_and_logs_the_message()
    {
        var log = new RecordingLog();
        var answer = "{\"partialSuccess\":{\"rejectedDataPoints\":\"2\",\"errorMessage\":\"2 points had an invalid unit\"}}"u8.ToArray();
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.OkWithBody("application/json", answer));
        var delivery = OtlpDelivery(receiver.BaseUri, log);
        delivery.Enqueue(TestPoints.Numbered(5));

        await FlushWithinBudgetAsync(delivery, 3_000);

        var stats = delivery.GetStats();
        Assert.Equal((3L, 2L, 0), (stats.SentPoints, stats.DroppedRejectedPoints, stats.BufferedPoints));
        Assert.Equal(0, stats.FailedRequests);
        Assert.Equal(1, log.Count("2 points had an invalid unit"));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_rejected_payload_is_dropped_and_counted_with_one_line()
    {
        var log = new RecordingLog();
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Respond(401));
        var delivery = OtlpDelivery(receiver.BaseUri, log, FastOptions with { MaxBatchPoints = 5 });
        delivery.Enqueue(TestPoints.Numbered(15));

        await FlushWithinBudgetAsync(delivery, 3_000);
        await Task.Delay(300, Ct);
        await FlushWithinBudgetAsync(delivery, 3_000);

        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal(15, delivery.GetStats().DroppedRejectedPoints);
        Assert.Equal(1, log.Count("HTTP 401"));
        AssertExactlyOnceOrDropped(receiver, delivery, 15, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_shutdown_flush_against_a_hanging_receiver_ends_in_time_and_counts_the_loss()
    {
        var log = new RecordingLog();
        await using var receiver = ScriptedReceiver.Start(_ => ReceiverAction.Hang);
        var delivery = OtlpDelivery(receiver.BaseUri, log);
        delivery.Enqueue(TestPoints.Numbered(9));

        await FlushWithinBudgetAsync(delivery, 1_500, final: true);

        Assert.Equal(9, delivery.GetStats().DroppedAtShutdownPoints);
        Assert.Equal(1, log.Count("SHUTDOWN"));
        AssertExactlyOnceOrDropped(receiver, delivery, 9, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_full_buffer_while_the_backend_is_down_keeps_the_newest_points()
    {
        await using var receiver = new ScriptedReceiver(_ => ReceiverAction.Ok);
        var delivery = OtlpDelivery(receiver.BaseUri, new RecordingLog(), FastOptions with { MaxBufferedPoints = 10, MaxBatchPoints = 10 });
        delivery.Enqueue(TestPoints.Numbered(10));
        await FlushWithinBudgetAsync(delivery, 1_000);
        delivery.Enqueue(TestPoints.Numbered(15, first: 11));

        receiver.Start();
        await DrainAsync(delivery);

        var delivered = receiver.Acknowledged.SelectMany(OtlpValues).Order().ToList();
        Assert.Equal(Enumerable.Range(16, 10).Select(i => (double)i), delivered);
        Assert.Equal(15, delivery.GetStats().DroppedBufferFullPoints);
        AssertExactlyOnceOrDropped(receiver, delivery, 25, OtlpValues);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Datadog_sink_recovers_from_errors_with_its_key_and_deflate_body()
    {
        var calls = 0;
        await using var receiver = ScriptedReceiver.Start(_ => Interlocked.Increment(ref calls) <= 2 ? ReceiverAction.Respond(503) : ReceiverAction.Ok);
        var settings = DatadogSettings.FromEnvironment(name => name switch
        {
            "DD_API_KEY" => "test-key-123",
            "PULSE_DATADOG_URL" => receiver.BaseUri.ToString(),
            "PULSE_DATADOG_COMPRESSION" => "deflate",
            _ => null,
        }, _ => { }, out _)!;
        var delivery = new NetworkDelivery(new DatadogSink(settings, _ => { }), FastOptions, _ => { });
        delivery.Enqueue(TestPoints.Numbered(10));

        await FlushWithinBudgetAsync(delivery, 1_000);
        await DrainAsync(delivery);

        var request = receiver.Acknowledged.Single();
        Assert.Equal("/api/v1/distribution_points", request.Path);
        Assert.Equal("test-key-123", request.Header("DD-API-KEY"));
        Assert.Equal("deflate", request.ContentEncoding);
        // duration is sent in seconds: the test points carry 1..10 ms.
        AssertExactlyOnceOrDropped(receiver, delivery, 10, r => DatadogValues(r).Select(v => Math.Round(v * 1000)));
    }

    private static IEnumerable<double> DatadogValues(ReceivedRequest request)
    {
        using var json = JsonDocument.Parse(request.DecodedBody());
        var values = new List<double>();
        foreach (var series in json.RootElement.GetProperty("series").EnumerateArray())
        foreach (var pair in series.GetProperty("points").EnumerateArray())
            values.AddRange(pair[1].EnumerateArray().Select(v => v.GetDouble()));
        return values;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(100, Ct);
        Assert.True(condition(), "condition not met within 10 s");
    }
}
