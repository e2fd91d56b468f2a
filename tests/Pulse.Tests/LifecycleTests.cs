using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pulse.Flushing;
using Pulse.Lifecycle;
using Pulse.Metrics;
using Pulse.Sinks;
using Pulse.Testing;

namespace Pulse.Tests;

/// <summary>The whole extension in-process against a scripted fake of the Extensions and Telemetry APIs.</summary>
public sealed class LifecycleTests : IDisposable
{
    private const string A = "11111111-1111-4111-8111-111111111111";
    private const string B = "22222222-2222-4222-8222-222222222222";
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    private readonly string _hosts = Path.GetTempFileName();
    private readonly StringWriter _log = new();
    private readonly CapturingStream _stdout = new();
    private readonly int _statsdPort = TestEnvironment.FreeUdpPort();
    private readonly TaskCompletionSource<int> _watchdogExit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LifecycleTests() => File.WriteAllText(_hosts, "127.0.0.1 localhost\n127.0.0.1 sandbox.localdomain\n");

    public void Dispose() => File.Delete(_hosts);

    private PulseExtension Extension(FakeExtensionsApi api, Dictionary<string, string>? extra = null, Func<SinkContext, IReadOnlyList<ISinkDelivery>>? sinks = null)
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.RuntimeApi,
            ["PULSE_TELEMETRY_PORT"] = TestEnvironment.FreeTcpPort().ToString(),
            ["PULSE_DOGSTATSD_PORT"] = _statsdPort.ToString(),
            ["PULSE_SHUTDOWN_REPORT_WAIT_MS"] = "1000",
            ["PULSE_LOG_LEVEL"] = "debug",
            ["AWS_LAMBDA_FUNCTION_NAME"] = "fn",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128",
        };
        foreach (var (k, v) in extra ?? []) env[k] = v;
        var builder = PulseExtension.CreateBuilder()
            .WithEnvironment(n => env.GetValueOrDefault(n))
            .WithLog(TextWriter.Synchronized(_log))
            .WithStandardOutput(_stdout)
            .WithHostsFile(_hosts)
            .WithExit(code => _watchdogExit.TrySetResult(code));
        if (sinks is not null) builder.WithSinks(sinks);
        return builder.Build();
    }

    private List<JsonDocument> EmfLines() => _stdout.Lines().Select(EmfValidator.Validate).ToList();

    private static JsonElement LineFor(List<JsonDocument> lines, string requestId, string metric) =>
        lines.Select(d => d.RootElement).Single(r => r.TryGetProperty("requestId", out var id) && id.GetString() == requestId && r.TryGetProperty(metric, out _));

    [Fact]
    public async Task Registers_subscribes_loops_on_next_and_writes_one_emf_line_per_invocation()
    {
        PulseExtension? extension = null;
        await using var api = new FakeExtensionsApi(async (n, fake) =>
        {
            switch (n)
            {
                case 1:
                    await fake.PostTelemetryAsync(TelemetryJson.InitStart(), TelemetryJson.InitReport(150));
                    return FakeExtensionsApi.Invoke(A);
                case 2:
                    using (var udp = new UdpClient())
                        await udp.SendAsync(Encoding.UTF8.GetBytes("orders:2|c|#shop:eu"), new IPEndPoint(IPAddress.Loopback, _statsdPort));
                    // The datagram belongs to invocation A only if Pulse handled it before A's runtimeDone.
                    var handledBy = DateTime.UtcNow.AddSeconds(30);
                    while (extension!.DogStatsDDatagrams < 1 && DateTime.UtcNow < handledBy) await Task.Delay(10);
                    await fake.PostTelemetryAsync(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A));
                    return FakeExtensionsApi.Invoke(B);
                default:
                    await fake.PostTelemetryAsync(TelemetryJson.Report(A), TelemetryJson.Start(B, 20), TelemetryJson.RuntimeDone(B, at: 25, duration: 4));
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(50);
                        try { await fake.PostTelemetryAsync(TelemetryJson.Report(B, at: 30, duration: 4.5, billed: 5)); }
                        catch (Exception) { /* the extension may be gone already: the assertion below says so */ }
                    });
                    return FakeExtensionsApi.Shutdown();
            }
        });
        extension = Extension(api);
        var exit = await extension.RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        Assert.Equal(1, extension.DogStatsDDatagrams);
        Assert.Equal("pulse", api.RegisterHeaders["Lambda-Extension-Name"]);
        Assert.Equal("accountId", api.RegisterHeaders["Lambda-Extension-Accept-Feature"]);
        using (var register = JsonDocument.Parse(api.RegisterBody!))
            Assert.Equal(["INVOKE", "SHUTDOWN"], register.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        Assert.Equal(FakeExtensionsApi.Identifier, api.SubscribeIdentifier);
        using (var subscribe = JsonDocument.Parse(api.SubscribeBody!))
        {
            var root = subscribe.RootElement;
            Assert.Equal("2022-12-13", root.GetProperty("schemaVersion").GetString());
            Assert.Equal(["platform", "function"], root.GetProperty("types").EnumerateArray().Select(e => e.GetString()));
            var buffering = root.GetProperty("buffering");
            Assert.Equal((1000, 262144, 25), (buffering.GetProperty("maxItems").GetInt32(), buffering.GetProperty("maxBytes").GetInt32(), buffering.GetProperty("timeoutMs").GetInt32()));
            Assert.Equal("HTTP", root.GetProperty("destination").GetProperty("protocol").GetString());
            Assert.Equal($"http://sandbox.localdomain:{extension.TelemetryPort}/", root.GetProperty("destination").GetProperty("URI").GetString());
        }
        Assert.Equal(3, api.NextCalls.Count);
        Assert.All(api.NextIdentifiers, id => Assert.Equal(FakeExtensionsApi.Identifier, id));

        var lines = EmfLines();
        var a = LineFor(lines, A, "duration");
        Assert.Equal(1, a.GetProperty("invocations").GetDouble());
        Assert.Equal(11.642, a.GetProperty("duration").GetDouble());
        Assert.Equal(11.185, a.GetProperty("runtime_duration").GetDouble());
        Assert.Equal(150, a.GetProperty("init_duration").GetDouble());
        Assert.Equal("true", a.GetProperty("cold_start").GetString());
        Assert.Equal("123456789012", a.GetProperty("account_id").GetString());
        Assert.Equal("python3.12", a.GetProperty("runtime").GetString());
        Assert.Equal(1, lines.Count(d => d.RootElement.TryGetProperty("requestId", out var id) && id.GetString() == A && !d.RootElement.TryGetProperty("orders", out _)));
        var custom = LineFor(lines, A, "orders");
        Assert.Equal(2, custom.GetProperty("orders").GetDouble());
        Assert.Equal("eu", custom.GetProperty("shop").GetString());

        var b = LineFor(lines, B, "runtime_duration");
        Assert.Equal("false", b.GetProperty("cold_start").GetString());
        Assert.Equal(4.5, b.GetProperty("duration").GetDouble()); // the REPORT that came after SHUTDOWN was waited for
        Assert.Equal(0.5, b.GetProperty("post_runtime_duration").GetDouble(), 6);

        var shutdown = lines.Select(d => d.RootElement).Single(r => r.TryGetProperty("shutdowns", out _));
        Assert.Equal(0, shutdown.GetProperty("unused_init").GetDouble());
        var self = lines.Select(d => d.RootElement).Single(r => r.TryGetProperty("pulse_telemetry_events", out _));
        Assert.True(self.GetProperty("pulse_telemetry_events").GetDouble() >= 8);
        Assert.Equal(0, self.GetProperty("pulse_telemetry_malformed").GetDouble());
        Assert.Equal(0, self.GetProperty("pulse_points_dropped").GetDouble());
        Assert.Contains("summary:", _log.ToString());
        Assert.False(_watchdogExit.Task.IsCompleted);
    }

    [Fact]
    public async Task Without_telemetry_it_never_waits_for_runtimeDone_and_still_counts_invocations()
    {
        DateTime invokeAnswered = default;
        await using var api = new FakeExtensionsApi((n, _) =>
        {
            if (n == 1)
            {
                invokeAnswered = DateTime.UtcNow;
                return Task.FromResult(FakeExtensionsApi.Invoke(A));
            }
            return Task.FromResult(FakeExtensionsApi.Shutdown());
        }, subscribeStatus: 202);
        var exit = await Extension(api, new() { ["PULSE_FLUSH"] = "end", ["PULSE_FLUSH_END_BUDGET_MS"] = "10000" }).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        Assert.Contains("answered 202", _log.ToString());
        // With end and a 10 s budget, waiting for a runtimeDone that cannot come would hold /next for 10 s.
        Assert.True(api.NextCalls[1] - invokeAnswered < TimeSpan.FromSeconds(5), $"/next came {api.NextCalls[1] - invokeAnswered} after INVOKE");
        var lines = EmfLines();
        Assert.Equal(1, LineFor(lines, A, "invocations").GetProperty("invocations").GetDouble());
    }

    [Fact]
    public async Task End_mode_flushes_the_invocation_before_calling_next()
    {
        List<string>? stdoutAtSecondNext = null;
        await using var api = new FakeExtensionsApi((n, fake) =>
        {
            if (n == 1)
            {
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    await fake.PostTelemetryAsync(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A));
                });
                return Task.FromResult(FakeExtensionsApi.Invoke(A));
            }
            stdoutAtSecondNext ??= _stdout.Lines();
            return Task.FromResult(FakeExtensionsApi.Shutdown("timeout"));
        });
        var exit = await Extension(api, new() { ["PULSE_FLUSH"] = "end", ["PULSE_FLUSH_END_BUDGET_MS"] = "20000" }).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        var early = stdoutAtSecondNext!.Select(EmfValidator.Validate).ToList();
        Assert.Equal(11.185, LineFor(early, A, "runtime_duration").GetProperty("runtime_duration").GetDouble());
    }

    [Fact]
    public async Task A_timeout_shutdown_without_runtime_done_counts_the_open_invocation_as_one_timeout_and_one_error()
    {
        await using var api = new FakeExtensionsApi(async (n, fake) =>
        {
            if (n == 1) return FakeExtensionsApi.Invoke(A);
            // The function ran past its deadline: the platform resets the sandbox; runtimeDone(timeout) never comes.
            await fake.PostTelemetryAsync(TelemetryJson.Start(A));
            return FakeExtensionsApi.Shutdown("Timeout");
        });
        var exit = await Extension(api).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        var lines = EmfLines();
        var line = LineFor(lines, A, "timeouts");
        Assert.Equal(1, line.GetProperty("timeouts").GetDouble());
        Assert.Equal(1, line.GetProperty("errors").GetDouble());
        Assert.Equal(1, line.GetProperty("invocations").GetDouble());
        Assert.Equal(1, lines.Count(d => d.RootElement.TryGetProperty("timeouts", out _)));
    }

    [Fact]
    public async Task An_internal_fault_falls_back_to_an_idle_loop_that_keeps_the_function_running()
    {
        await using var api = new FakeExtensionsApi((n, _) =>
            Task.FromResult(n < 3 ? FakeExtensionsApi.Invoke(n == 1 ? A : B) : FakeExtensionsApi.Shutdown()));
        var exit = await Extension(api, sinks: _ => throw new InvalidOperationException("sink exploded")).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        Assert.Equal(3, api.NextCalls.Count);
        var faultLines = _log.ToString().Split('\n').Where(l => l.Contains("internal fault")).ToList();
        Assert.Contains("sink exploded", Assert.Single(faultLines));
    }

    [Fact]
    public async Task A_hung_sink_holds_neither_next_nor_the_shutdown()
    {
        DateTime invokeAnswered = default;
        await using var api = new FakeExtensionsApi(async (n, fake) =>
        {
            switch (n)
            {
                case 1:
                    invokeAnswered = DateTime.UtcNow;
                    return FakeExtensionsApi.Invoke(A);
                case 2:
                    await fake.PostTelemetryAsync(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
                    await Task.Delay(200);
                    return FakeExtensionsApi.Shutdown();
                default:
                    throw new InvalidOperationException("no third /next expected");
            }
        });
        var hung = new HungDelivery();
        var started = DateTime.UtcNow;
        var exit = await Extension(api, sinks: ctx => [.. SinkFactory.CreateAll(ctx), hung]).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        Assert.True(hung.Enqueued > 0);
        Assert.True(api.NextCalls[1] - invokeAnswered < TimeSpan.FromSeconds(5));
        Assert.Equal(11.642, LineFor(EmfLines(), A, "duration").GetProperty("duration").GetDouble());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_shutdown_watchdog_exits_when_a_sink_breaks_its_contract_and_blocks()
    {
        using var release = new ManualResetEventSlim(false);
        await using var api = new FakeExtensionsApi((n, _) => Task.FromResult(n == 1 ? FakeExtensionsApi.Invoke(A) : FakeExtensionsApi.Shutdown()));
        var blocking = new BlockingAtShutdownDelivery(release);
        var run = Extension(api, sinks: ctx => [.. SinkFactory.CreateAll(ctx), blocking]).RunAsync();
        try
        {
            var code = await _watchdogExit.Task.WaitAsync(RunLimit);
            Assert.Equal(0, code);
            Assert.False(run.IsCompleted);
            Assert.Contains("exiting now", _log.ToString());
        }
        finally
        {
            release.Set();
            await run.WaitAsync(RunLimit);
        }
    }

    [Fact]
    public async Task The_shutdown_flush_is_the_final_one_and_carries_the_shutdown_points()
    {
        var recording = new FinalFlagDelivery();
        await using var api = new FakeExtensionsApi(async (n, fake) =>
        {
            if (n == 1) return FakeExtensionsApi.Invoke(A);
            await fake.PostTelemetryAsync(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
            return FakeExtensionsApi.Shutdown();
        });

        var exit = await Extension(api, sinks: _ => [recording]).RunAsync().WaitAsync(RunLimit);

        Assert.Equal(0, exit);
        var flushes = recording.Flushes;
        Assert.Single(flushes, f => f.Final);
        var final = flushes.Single(f => f.Final);
        Assert.True(flushes[^1].Final, "the final flush is the last one");
        Assert.Contains("shutdowns", final.MetricsSeen);
        Assert.Contains("invocations", final.MetricsSeen);
    }

    /// <summary>Records every flush: whether it was final and which metrics had been enqueued by then.</summary>
    private sealed class FinalFlagDelivery : ISinkDelivery
    {
        private readonly List<string> _enqueued = [];
        private readonly List<(bool Final, HashSet<string> MetricsSeen)> _flushes = [];
        public string SinkName => "final-flag";
        public List<(bool Final, HashSet<string> MetricsSeen)> Flushes { get { lock (_flushes) return [.. _flushes]; } }
        public void Enqueue(IReadOnlyList<MetricPoint> points)
        {
            lock (_flushes) _enqueued.AddRange(points.Select(p => p.Metric.Name));
        }
        public Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken)
        {
            lock (_flushes) _flushes.Add((final, [.. _enqueued]));
            return Task.CompletedTask;
        }
        public DeliveryStats GetStats() => default;
    }

    /// <summary>Blocks in Enqueue once the SHUTDOWN points arrive (a contract violation the watchdog must survive).</summary>
    private sealed class BlockingAtShutdownDelivery(ManualResetEventSlim release) : ISinkDelivery
    {
        public string SinkName => "blocking";
        public void Enqueue(IReadOnlyList<MetricPoint> points)
        {
            if (points.Any(p => p.Metric.Name == "shutdowns")) release.Wait(TimeSpan.FromSeconds(60));
        }
        public Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken) => Task.CompletedTask;
        public DeliveryStats GetStats() => default;
    }

    /// <summary>A delivery whose backend never answers and which ignores its deadline.</summary>
    private sealed class HungDelivery : ISinkDelivery
    {
        public int Enqueued;
        public string SinkName => "hung";
        public void Enqueue(IReadOnlyList<MetricPoint> points) => Interlocked.Add(ref Enqueued, points.Count);
        public Task FlushAsync(DateTimeOffset deadline, bool final, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, CancellationToken.None);
        public DeliveryStats GetStats() => new(Enqueued, 0, 0, Enqueued, 0, 0, 0);
    }
}
