using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pulse.Config;
using Pulse.Flushing;
using Pulse.Invocations;
using Pulse.Sinks;
using Pulse.Sources;
using Pulse.Telemetry;

namespace Pulse.Lifecycle;

/// <summary>
/// The extension's life: the start-up critical path (register, listener, subscribe, first /next — nothing
/// else), then the pipeline built while the first /next is pending, the event loop, and SHUTDOWN. Any
/// internal fault is logged once and Pulse falls back to an idle loop that keeps calling /next, so the
/// function never notices.
/// </summary>
public sealed class PulseExtension
{
    private readonly PulseOptions _options;
    private readonly PulseLog _log;
    // A /next is written and its answer not read yet; a SHUTDOWN was read (the idle fallback then just exits).
    private bool _nextOutstanding;
    private bool _shutdownReceived;
    private Timer? _watchdog;
    private Pipeline? _pipeline;

    public PulseExtension(PulseOptions options)
    {
        _options = options;
        _log = new PulseLog(options.Log);
    }

    public static PulseExtensionBuilder CreateBuilder() => new();

    /// <summary>Exec → first /next request, in ms (from /proc; null when unknown).</summary>
    public double? ReadyMs { get; private set; }
    /// <summary>Main (this call) → first /next request, in ms.</summary>
    public double MainToNextMs { get; private set; }
    public bool TelemetrySubscribed { get; private set; }
    /// <summary>DogStatsD datagrams handled so far (0 before the pipeline exists or without the listener).</summary>
    internal long DogStatsDDatagrams => Volatile.Read(ref _pipeline)?.DogStatsD?.Datagrams ?? 0;
    public int? TelemetryPort { get; private set; }

    /// <summary>
    /// Runs the extension on a thread of its own (tests, embedding); <see cref="Run"/> is the same on the
    /// caller's thread.
    /// </summary>
    public Task<int> RunAsync(CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// The extension's whole life on the calling thread, which waits in /next between events: an event needs
    /// no hand-off between threads. Returns the process exit code.
    /// </summary>
    public int Run(CancellationToken cancellationToken = default)
    {
        var main = Stopwatch.GetTimestamp();
        // Everything up to the first /next runs on this thread with blocking calls: no thread pool, no async
        // socket engine, nothing the runtime's start could wait for.
        var env = new EnvironmentReader(_options.Environment, _log);
        var startup = StartupSettings.Read(env, _options.ExtensionName);
        ExtensionsApiClient client;
        RegistrationResult registration;
        Task<IPAddress> address;
        try
        {
            client = new ExtensionsApiClient(startup.RuntimeApi);
            client.BeginRegister(startup.ExtensionName);
            // While /register is in flight: /etc/hosts names the host in a sandbox, a DNS lookup starts otherwise.
            address = ListenerAddress.ResolveAsync(_options.HostsFile);
            registration = client.EndRegister();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.Error($"register with the Extensions API at {startup.RuntimeApi} failed ({e.GetType().Name}: {e.Message}); Pulse exits");
            return 1;
        }
        using var clientScope = client;

        var counters = new TelemetryCounters();
        var dispatcher = new TelemetryBatchDispatcher(new TelemetryParser(counters), _log);
        var server = StartTelemetry(client, address, startup.TelemetryPort, dispatcher);

        RequestNext(client);
        MainToNextMs = Stopwatch.GetElapsedTime(main).TotalMilliseconds;
        // Connections the platform opened meanwhile wait in the listen backlog until now.
        server?.StartAccepting();
        ReadyMs = ProcessClock.MillisecondsSinceStart();

        Pipeline pipeline;
        try
        {
            pipeline = BuildPipeline(env, registration, dispatcher);
            Volatile.Write(ref _pipeline, pipeline);
        }
        catch (Exception e)
        {
            _log.Error($"internal fault while starting ({e.GetType().Name}: {e.Message}); metrics are off, Pulse keeps the function running");
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return IdleLoop(client, cancellationToken);
        }
        _log.Info($"ready: exec → first /next {(ReadyMs is { } r ? $"{r:0.0} ms" : "unknown")} (Main → first /next {MainToNextMs:0.00} ms); " +
                  $"telemetry {(TelemetrySubscribed ? $"on port {TelemetryPort}" : "off")}; flush {pipeline.Settings.Flush}; " +
                  $"sinks {string.Join(",", pipeline.Flusher.Deliveries.Select(d => d.SinkName))}");

        try
        {
            return EventLoop(client, pipeline, dispatcher, server, cancellationToken);
        }
        catch (ExtensionsApiException e)
        {
            // The API itself refused us (4xx/5xx or not its protocol): the platform wants the extension gone.
            _log.Error($"the Extensions API failed ({e.Message}); Pulse exits");
            StopQuietly(pipeline, server);
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.Error($"internal fault ({e.GetType().Name}: {e.Message}); metrics are off, Pulse keeps the function running");
            StopQuietly(pipeline, server);
            return IdleLoop(client, cancellationToken);
        }
    }

    private TelemetryHttpServer? StartTelemetry(ExtensionsApiClient client, Task<IPAddress> address, int port, TelemetryBatchDispatcher dispatcher)
    {
        TelemetryHttpServer? server = null;
        try
        {
            var bindAddress = address.GetAwaiter().GetResult();
            try
            {
                server = TelemetryHttpServer.Bind(bindAddress, port, dispatcher, _log);
            }
            catch (SocketException) when (!IPAddress.IsLoopback(bindAddress))
            {
                _log.Warn($"telemetry listener: {bindAddress} ({ListenerAddress.SandboxHost}) cannot be bound; using 127.0.0.1");
                server = TelemetryHttpServer.Bind(IPAddress.Loopback, port, dispatcher, _log);
            }
            TelemetryPort = server.Port;
            var (status, body) = client.SubscribeTelemetry(server.Port);
            TelemetrySubscribed = status == 200;
            if (!TelemetrySubscribed)
                _log.Warn($"the Telemetry API subscription answered {status} ({body}); running without telemetry: only invocations and custom metrics are reported");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TelemetrySubscribed = false;
            _log.Warn($"telemetry is off ({e.GetType().Name}: {e.Message}); only invocations and custom metrics are reported");
        }
        if (!TelemetrySubscribed && server is not null)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            server = null;
        }
        return server;
    }

    private Pipeline BuildPipeline(EnvironmentReader env, RegistrationResult registration, TelemetryBatchDispatcher dispatcher)
    {
        var settings = PulseSettings.Read(env);
        if (settings.FunctionName == "unknown" && registration.FunctionName is { Length: > 0 } name) settings = settings with { FunctionName = name };
        _log.Level = settings.LogLevel;

        var deliveries = _options.SinkBuilder(new SinkContext(settings, env, _log, _options.StandardOutput));
        var tags = new SandboxTags(settings) { AccountId = registration.AccountId ?? "none" };
        var price = PriceTable.For(settings.Region, settings.Architecture);
        price = new LambdaPrice(settings.PricePerGbSecond ?? price.PerGbSecond, settings.PricePerRequest ?? price.PerRequest);

        InvocationTracker? tracker = null;
        var flusher = new FlushCoordinator(deliveries, settings.Flush, () => tracker?.CurrentDeadlineMs ?? 0, _log);
        tracker = new InvocationTracker(flusher, tags, new CostEstimator(price), _log, ProcessClock.StartTime(), settings.MemorySizeMb,
            emitRuntimeDoneEarly: settings.Flush.Mode == FlushMode.End, telemetryAvailable: TelemetrySubscribed);

        CustomMetricAggregator? aggregator = null;
        DogStatsDListener? dogStatsD = null;
        if (settings.DogStatsDPort > 0)
        {
            aggregator = new CustomMetricAggregator(_log);
            dogStatsD = DogStatsDListener.TryStart(settings.DogStatsDPort, aggregator, _log);
            if (dogStatsD is null) aggregator = null;
            else tracker.AttachCustomMetrics(aggregator);
        }
        flusher.Start();
        dispatcher.SetConsumer(tracker.OnTelemetry);
        return new Pipeline(settings, tracker, tags, flusher, aggregator, dogStatsD);
    }

    private int EventLoop(ExtensionsApiClient client, Pipeline pipeline, TelemetryBatchDispatcher dispatcher,
        TelemetryHttpServer? server, CancellationToken cancellationToken)
    {
        var tracker = pipeline.Tracker;
        var strategy = pipeline.Settings.Flush;
        while (true)
        {
            var next = AwaitNext(client, cancellationToken);
            switch (next)
            {
                case InvokeEvent invoke:
                    tracker.OnInvoke(invoke.RequestId, invoke.DeadlineMs, DateTimeOffset.UtcNow);
                    if (strategy.Mode == FlushMode.End) FlushAtEndAsync(pipeline, invoke).GetAwaiter().GetResult();
                    RequestNext(client);
                    if (strategy.Mode == FlushMode.End) pipeline.Flusher.TrimHeap();
                    break;
                case ShutdownEvent shutdown:
                    return ShutdownAsync(shutdown, pipeline, dispatcher, server).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>PULSE_FLUSH=end: wait for this invocation's runtimeDone, flush, all within the budget and before the deadline.</summary>
    private async Task FlushAtEndAsync(Pipeline pipeline, InvokeEvent invoke)
    {
        var now = DateTimeOffset.UtcNow;
        var limit = now + pipeline.Settings.Flush.EndBudget;
        if (invoke.DeadlineMs > 0)
        {
            var beforeDeadline = DateTimeOffset.FromUnixTimeMilliseconds(invoke.DeadlineMs) - FlushCoordinator.DeadlineMargin;
            if (beforeDeadline < limit) limit = beforeDeadline;
        }
        if (TelemetrySubscribed) await pipeline.Tracker.WaitForRuntimeDoneAsync(invoke.RequestId, limit - DateTimeOffset.UtcNow).ConfigureAwait(false);
        await pipeline.Flusher.FlushAsync(limit).ConfigureAwait(false);
    }

    /// <summary>Writes /next; a connection that fails here is retried by <see cref="AwaitNext"/>.</summary>
    private void RequestNext(ExtensionsApiClient client)
    {
        try
        {
            client.RequestNext();
            _nextOutstanding = true;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            _nextOutstanding = false;
            _log.Warn($"/next could not be sent ({e.Message}); retrying");
        }
    }

    /// <summary>Reads the answer of the /next written last (writing one first if none is), retrying a broken connection.</summary>
    private ExtensionEvent AwaitNext(ExtensionsApiClient client, CancellationToken cancellationToken)
    {
        // A refused or reset connection to the local API is retried a few times; an error status is final (spec: 500 → exit).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!_nextOutstanding) client.RequestNext();
                _nextOutstanding = true;
                var next = client.ReceiveNext(cancellationToken);
                _nextOutstanding = false;
                if (next is ShutdownEvent) _shutdownReceived = true;
                return next;
            }
            catch (Exception e) when (attempt < 3 && e is IOException or SocketException && !cancellationToken.IsCancellationRequested)
            {
                _nextOutstanding = false;
                _log.Warn($"/next failed ({e.Message}); retrying");
                Thread.Sleep(50 * attempt);
            }
        }
    }

    private async Task<int> ShutdownAsync(ShutdownEvent shutdown, Pipeline pipeline, TelemetryBatchDispatcher dispatcher, TelemetryHttpServer? server)
    {
        var now = DateTimeOffset.UtcNow;
        var end = now + _options.ShutdownBudget;
        if (shutdown.DeadlineMs > 0)
        {
            var platform = DateTimeOffset.FromUnixTimeMilliseconds(shutdown.DeadlineMs) - TimeSpan.FromMilliseconds(200);
            if (platform < end) end = platform;
        }
        // The watchdog: whatever hangs, the process is gone before the platform's SIGKILL.
        var exit = _options.Exit;
        var watchdogDue = end - now;
        _watchdog = new Timer(_ =>
        {
            _log.Warn("shutdown: the final flush outlived its budget; exiting now");
            exit(0);
        }, null, watchdogDue > TimeSpan.Zero ? watchdogDue : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        var flushDeadline = end - TimeSpan.FromMilliseconds(100);

        var tracker = pipeline.Tracker;
        var timedOut = string.Equals(shutdown.Reason, "timeout", StringComparison.OrdinalIgnoreCase);
        if (timedOut && tracker.OnTimeoutShutdown(now))
            _log.Info($"shutdown: reason timeout; the invocation in progress ({tracker.CurrentRequestId}) is counted as a timeout");
        if (TelemetrySubscribed && !timedOut)
        {
            var wait = pipeline.Settings.ShutdownReportWait;
            var room = flushDeadline - DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(200);
            if (room < wait) wait = room;
            if (wait > TimeSpan.Zero && !await tracker.WaitForOwedReportsAsync(wait).ConfigureAwait(false))
                _log.Info($"shutdown: {tracker.OwedReports} REPORTs still owed after {wait.TotalMilliseconds:0} ms; flushing without them");
        }
        tracker.CompleteAll();
        tracker.OnShutdown(DateTimeOffset.UtcNow);
        await pipeline.Flusher.DisposeAsync().ConfigureAwait(false);
        if (pipeline.Settings.SelfMetrics)
        {
            pipeline.Flusher.Publish(SelfMetrics.Collect(ReadyMs, pipeline.Flusher.TakeLatencies(), dispatcher.Counters, tracker,
                pipeline.Flusher.Deliveries, pipeline.Tags.For(null), DateTimeOffset.UtcNow));
        }
        await pipeline.Flusher.FlushAsync(flushDeadline, final: true).ConfigureAwait(false);
        _log.Info(SelfMetrics.Summary(ReadyMs, dispatcher.Counters, tracker, pipeline.Flusher.Deliveries));
        StopQuietly(pipeline, server);
        _watchdog.Dispose();
        return 0;
    }

    private static void StopQuietly(Pipeline pipeline, TelemetryHttpServer? server)
    {
        try
        {
            pipeline.Flusher.DisposeAsync().AsTask().GetAwaiter().GetResult();
            pipeline.DogStatsD?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Stopping: nothing left to protect.
        }
    }

    /// <summary>The fallback: keep calling /next so the function runs as if Pulse were not there; exit at SHUTDOWN.</summary>
    private int IdleLoop(ExtensionsApiClient client, CancellationToken cancellationToken)
    {
        // A SHUTDOWN already received (the fault happened while handling it): nothing left but to exit.
        if (_shutdownReceived) return 0;
        while (true)
        {
            ExtensionEvent next;
            try
            {
                // A /next still outstanding answers with the next event; otherwise AwaitNext asks for one.
                next = AwaitNext(client, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.Error($"idle loop: /next failed ({e.GetType().Name}: {e.Message}); Pulse exits");
                return 1;
            }
            if (next is ShutdownEvent) return 0;
        }
    }
}
