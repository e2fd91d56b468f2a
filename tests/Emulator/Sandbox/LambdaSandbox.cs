using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Cli;
using Pulse.Emulator.Native;
using Pulse.Emulator.Recording;
using Pulse.Emulator.Telemetry;

namespace Pulse.Emulator.Sandbox;

/// <summary>
/// The execution environment: the lifecycle state machine (INIT → INVOKE* → SHUTDOWN, with resets), the process
/// supervisor and the platform's APIs (in the other parts of this class). Gates are named after the spec §1.1.
/// </summary>
public sealed partial class LambdaSandbox : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly EmulatorOptions _options;
    private readonly Recorder _recorder;
    private readonly TextWriter _output;
    private readonly Action<string> _log;
    private readonly string _bootstrap;
    private readonly string _optDir;
    private readonly string _taskRoot;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private readonly FreezeGate _gate = new();
    private readonly TelemetryDispatcher _dispatcher;
    private readonly SandboxCgroup _cgroup;
    private readonly ProcessLauncher _launcher;
    private readonly HttpClient _telemetryHttp;
    private readonly string _functionArn;
    private Generation? _gen;
    private int _generationCount;
    private bool _frozen;
    private bool _closed;

    internal LambdaSandbox(EmulatorOptions options, Recorder recorder, TextWriter output, Action<string> log, string workDir, string optDir)
    {
        _options = options;
        _recorder = recorder;
        _output = output;
        _log = log;
        _bootstrap = Path.GetFullPath(options.Bootstrap);
        _optDir = optDir;
        _taskRoot = Path.GetFullPath(options.TaskRoot ?? Path.GetDirectoryName(_bootstrap) ?? "/");
        _dispatcher = new TelemetryDispatcher(recorder);
        var name = $"{SandboxCgroup.NamePrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        _cgroup = options.UseCgroups ? SandboxCgroup.Create(name, options.MemoryCap ? options.MemorySizeMb * 1024L * 1024L : null, log) : SandboxCgroup.None;
        if (!_cgroup.CanFreeze && !options.NoFreeze) log("no freezer cgroup: freezing with SIGSTOP/SIGCONT of the sandbox's process groups");
        if (!_cgroup.CanMeasure) log($"no memory cgroup: maxMemoryUsedMB is the sum of the peak RSS of the sandbox's processes{(options.MemoryCap ? "; --memory-cap cannot be enforced" : "")}");
        _launcher = new ProcessLauncher(_cgroup, workDir, optDir, options.UseMountNamespace, log);
        _telemetryHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
        _functionArn = $"arn:aws:lambda:{options.Region}:{options.AccountId}:function:{options.FunctionName}";
        _recorder.Write("lifecycle", new JsonObject
        {
            ["step"] = "configure",
            ["functionName"] = options.FunctionName, ["functionVersion"] = options.FunctionVersion,
            ["memorySizeMB"] = options.MemorySizeMb, ["timeoutSeconds"] = options.TimeoutSeconds,
            ["bootstrap"] = _bootstrap, ["opt"] = optDir,
            ["freezer"] = _cgroup.CanFreeze ? "cgroup" : "signals", ["memory"] = _cgroup.CanMeasure ? "cgroup" : "rss",
            ["namespace"] = _launcher.HasNamespace,
        });
    }

    /// <summary>Eager init at start-up, as Lambda prepares an environment before the first event (unless --lazy-init).</summary>
    public async Task StartAsync()
    {
        if (_options.LazyInit) return;
        await _serial.WaitAsync().ConfigureAwait(false);
        try
        {
            await InitAsync("init", Monotonic.NowMs + _options.InitTimeoutMs).ConfigureAwait(false);
            lock (_lock) if (_gen is { Broken: false }) FreezeLocked();
        }
        finally { _serial.Release(); }
    }

    /// <summary>Runs one invocation; the returned task completes when the function has answered (extensions may still run).</summary>
    public async Task<InvokeResponse> InvokeAsync(InvokeRequest request)
    {
        await _serial.WaitAsync().ConfigureAwait(false);
        if (_closed)
        {
            _serial.Release();
            return new InvokeResponse(ErrorDocument("Sandbox.Failure", "the emulator is shutting down"), "Unhandled", "", "failure", "Sandbox.Failure");
        }
        var traceId = request.TraceId is { Length: > 0 } t ? t : NewTraceId();
        var invocation = new Invocation(request, Guid.NewGuid().ToString(), traceId) { ArrivedAt = Monotonic.NowMs };
        _ = Task.Run(async () =>
        {
            try { await RunInvocationAsync(invocation).ConfigureAwait(false); }
            catch (Exception e)
            {
                _log($"invocation {invocation.RequestId} failed inside the emulator: {e}");
                invocation.ClientResponse.TrySetResult(new InvokeResponse(ErrorDocument("Sandbox.Failure", e.Message), "Unhandled", invocation.RequestId, "failure", "Sandbox.Failure"));
            }
            finally { _serial.Release(); }
        });
        return await invocation.ClientResponse.Task.ConfigureAwait(false);
    }

    /// <summary>The SHUTDOWN phase with reason spindown (SIGTERM/SIGINT, end of a batch); waits for a running invoke.</summary>
    public async Task ShutdownAsync()
    {
        await _serial.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed) return;
            _closed = true;
            Generation? gen;
            lock (_lock) gen = _gen;
            if (gen is not null && !gen.ShuttingDown) await ShutdownGenerationAsync(gen, "spindown").ConfigureAwait(false);
            Lifecycle("shutdown-complete", new JsonObject());
        }
        finally { _serial.Release(); }
    }

    /// <summary>Kills everything at once (a second SIGINT, or disposal).</summary>
    public void KillAll()
    {
        _cgroup.KillAll();
        Generation? gen;
        lock (_lock) gen = _gen;
        if (gen is null) return;
        foreach (var p in AllProcesses(gen)) { p.SignalGroup(Posix.SIGCONT); p.SignalGroup(Posix.SIGKILL); }
    }

    private async Task RunInvocationAsync(Invocation inv)
    {
        var timeoutMs = _options.TimeoutSeconds * 1000.0;
        var deadlineAt = inv.ArrivedAt + timeoutMs;
        Generation? gen;
        lock (_lock) gen = _gen;
        try
        {
            if (gen is null || gen.Broken)
            {
                // After a reset the next invoke re-runs init inside the invoke (suppressed init, phase "invoke");
                // a first or cold-start environment runs a normal init.
                var phase = gen is null ? "init" : "invoke";
                if (gen is { ResetDone: false }) await ResetAsync(gen, "failure").ConfigureAwait(false);
                var initFault = await InitAsync(phase, phase == "init" ? Monotonic.NowMs + _options.InitTimeoutMs : deadlineAt).ConfigureAwait(false);
                lock (_lock) gen = _gen!;
                if (initFault is not null)
                {
                    FailBeforeStart(inv, gen, initFault);
                    return;
                }
            }
            else
            {
                // Without an init inside this invoke, the function timeout counts from the invoke's start.
                deadlineAt = double.NaN;
            }
            ThawLocked();
            await RunOnReadySandboxAsync(inv, gen, deadlineAt).ConfigureAwait(false);
        }
        finally
        {
            Generation? after;
            lock (_lock) after = _gen;
            if (after is not null && _options.ColdStarts && !after.ShuttingDown)
            {
                await ShutdownGenerationAsync(after, "spindown").ConfigureAwait(false);
                lock (_lock) if (_gen == after) _gen = null;
            }
            else if (after is { Broken: false, ShuttingDown: false })
            {
                lock (_lock) FreezeLocked();
            }
        }
    }

    private async Task RunOnReadySandboxAsync(Invocation inv, Generation gen, double deadlineAt)
    {
        var start = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            inv.StartedAt = Monotonic.NowMs;
            inv.StartTime = start;
            if (double.IsNaN(deadlineAt)) deadlineAt = inv.StartedAt + _options.TimeoutSeconds * 1000.0;
            inv.DeadlineAt = deadlineAt;
            inv.DeadlineEpochMs = TimeFormat.EpochMs(start) + (long)Math.Max(0, deadlineAt - inv.StartedAt);
            inv.Phase = gen.Phase;
            if (gen.InitDurationMs is { } init && !gen.InitDurationReported) { inv.InitDurationMs = init; gen.InitDurationReported = true; }
            gen.Current = inv;
        }
        WriteLog($"START RequestId: {inv.RequestId} Version: {_options.FunctionVersion}");
        Publish("platform.start", new JsonObject { ["requestId"] = inv.RequestId, ["version"] = _options.FunctionVersion, ["tracing"] = Tracing(inv) },
            new JsonObject { ["requestId"] = inv.RequestId, ["version"] = _options.FunctionVersion });
        lock (_lock)
        {
            var invokeEvent = new JsonObject
            {
                ["eventType"] = "INVOKE",
                ["deadlineMs"] = inv.DeadlineEpochMs,
                ["requestId"] = inv.RequestId,
                ["invokedFunctionArn"] = _functionArn,
                ["tracing"] = new JsonObject { ["type"] = "X-Amzn-Trace-Id", ["value"] = inv.TraceId },
            };
            // Extensions are released just before the runtime (spec §1.1 Invoke).
            foreach (var agent in gen.Agents.Where(a => a.WantsInvoke && a.Ready && !a.Errored))
            {
                inv.ExtensionNext[agent] = null;
                agent.Mailbox.Writer.TryWrite((JsonObject)invokeEvent.DeepClone());
            }
            gen.RuntimeMailbox.Writer.TryWrite(inv);
        }
        Lifecycle("invoke-start", new JsonObject { ["requestId"] = inv.RequestId, ["t"] = Monotonic.Round(inv.StartedAt) });

        var timeout = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, deadlineAt - Monotonic.NowMs)));
        var done = await Task.WhenAny(inv.Finished.Task, inv.Faulted.Task, timeout).ConfigureAwait(false);
        if (done == inv.Finished.Task)
        {
            double end;
            lock (_lock)
            {
                inv.Ended = true;
                gen.Current = null;
                end = Math.Max(inv.RuntimeNextAt ?? inv.StartedAt, inv.ExtensionNext.Values.Select(v => v ?? 0).DefaultIfEmpty(0).Max());
            }
            var status = inv.FunctionErrorType is null ? "success" : "error";
            Report(inv, status, inv.FunctionErrorType, end - inv.StartedAt);
            return;
        }

        var fault = done == inv.Faulted.Task
            ? inv.Faulted.Task.Result
            : SandboxFault.Timeout($"Task timed out after {_options.TimeoutSeconds.ToString("0.00", CultureInfo.InvariantCulture)} seconds");
        bool runtimeDoneSent;
        lock (_lock)
        {
            inv.Ended = true;
            gen.Current = null;
            gen.Broken = true;
            runtimeDoneSent = inv.RuntimeNextAt is not null;
        }
        var now = Monotonic.NowMs;
        if (!runtimeDoneSent) PublishRuntimeDone(inv, fault.Status, fault.ErrorType, now);
        var clientType = fault.ErrorType ?? "Sandbox.Timedout";
        inv.ClientResponse.TrySetResult(new InvokeResponse(
            ErrorDocument(clientType, $"RequestId: {inv.RequestId} Error: {fault.Message}"), "Unhandled", inv.RequestId, fault.Status, clientType));
        Publish("platform.fault", null, JsonValue.Create($"RequestId: {inv.RequestId} Error: {fault.Message}"));
        var duration = now - inv.StartedAt;
        // Lambda reports a timed-out invoke with exactly the timeout as its duration.
        if (fault.Status == "timeout") duration = _options.TimeoutSeconds * 1000.0;
        Report(inv, fault.Status, fault.ErrorType, duration);
        Lifecycle("invoke-fault", new JsonObject { ["requestId"] = inv.RequestId, ["status"] = fault.Status, ["errorType"] = fault.ErrorType, ["message"] = fault.Message });
        await ResetAsync(gen, fault.ShutdownReason).ConfigureAwait(false);
    }

    /// <summary>An invoke whose init failed: the client gets the init error, the report carries it.</summary>
    private void FailBeforeStart(Invocation inv, Generation gen, SandboxFault fault)
    {
        inv.StartedAt = Monotonic.NowMs;
        inv.StartTime = DateTimeOffset.UtcNow;
        inv.Phase = gen.Phase;
        inv.InitDurationMs = gen.InitDurationMs;
        WriteLog($"START RequestId: {inv.RequestId} Version: {_options.FunctionVersion}");
        Publish("platform.start", new JsonObject { ["requestId"] = inv.RequestId, ["version"] = _options.FunctionVersion, ["tracing"] = Tracing(inv) },
            new JsonObject { ["requestId"] = inv.RequestId, ["version"] = _options.FunctionVersion });
        var errorType = fault.ErrorType ?? "Sandbox.Timedout";
        inv.ClientResponse.TrySetResult(new InvokeResponse(
            ErrorDocument(errorType, $"RequestId: {inv.RequestId} Error: {fault.Message}"), "Unhandled", inv.RequestId, fault.Status, errorType));
        Report(inv, fault.Status, fault.ErrorType, 0);
    }

    private void Report(Invocation inv, string status, string? errorType, double durationMs)
    {
        var duration = Monotonic.Round(Math.Max(0, durationMs));
        var billed = (long)Math.Ceiling(duration);
        var maxMemory = MeasureMaxMemoryMb();
        var metrics = new JsonObject
        {
            ["durationMs"] = duration,
            ["billedDurationMs"] = billed,
            ["memorySizeMB"] = _options.MemorySizeMb,
            ["maxMemoryUsedMB"] = maxMemory,
        };
        if (inv.InitDurationMs is { } init) metrics["initDurationMs"] = Monotonic.Round(init);
        var record = new JsonObject { ["requestId"] = inv.RequestId, ["status"] = status };
        if (errorType is not null) record["errorType"] = errorType;
        record["metrics"] = metrics;
        record["tracing"] = Tracing(inv);
        Publish("platform.end", null, new JsonObject { ["requestId"] = inv.RequestId });
        Publish("platform.report", record, new JsonObject { ["requestId"] = inv.RequestId, ["metrics"] = metrics.DeepClone() });
        WriteLog($"END RequestId: {inv.RequestId}");
        var line = new StringBuilder().Append("REPORT RequestId: ").Append(inv.RequestId)
            .Append("\tDuration: ").Append(duration.ToString("0.00", CultureInfo.InvariantCulture)).Append(" ms")
            .Append("\tBilled Duration: ").Append(billed).Append(" ms")
            .Append("\tMemory Size: ").Append(_options.MemorySizeMb).Append(" MB")
            .Append("\tMax Memory Used: ").Append(maxMemory).Append(" MB");
        if (inv.InitDurationMs is { } i) line.Append("\tInit Duration: ").Append(i.ToString("0.00", CultureInfo.InvariantCulture)).Append(" ms");
        if (status != "success") line.Append("\tStatus: ").Append(status);
        if (errorType is not null) line.Append("\tError Type: ").Append(errorType);
        WriteLog(line.ToString());

        var extensions = new JsonObject();
        lock (_lock) foreach (var (agent, at) in inv.ExtensionNext) extensions[agent.Name] = at is { } v ? Monotonic.Round(v) : null;
        _recorder.Write("invoke", new JsonObject
        {
            ["requestId"] = inv.RequestId,
            ["phase"] = inv.Phase,
            ["arrivedT"] = Monotonic.Round(inv.ArrivedAt),
            ["startT"] = Monotonic.Round(inv.StartedAt),
            ["responseStartT"] = inv.ResponseStartAt is { } rs ? Monotonic.Round(rs) : null,
            ["responseEndT"] = inv.ResponseEndAt is { } re ? Monotonic.Round(re) : null,
            ["runtimeNextT"] = inv.RuntimeNextAt is { } rn ? Monotonic.Round(rn) : null,
            ["extensionNextT"] = extensions,
            ["status"] = status,
            ["errorType"] = errorType,
            ["producedBytes"] = inv.ProducedBytes,
            ["report"] = metrics.DeepClone(),
        });
    }

    private void PublishRuntimeDone(Invocation inv, string status, string? errorType, double runtimeNextAt)
    {
        var record = new JsonObject { ["requestId"] = inv.RequestId, ["status"] = status };
        if (errorType is not null) record["errorType"] = errorType;
        record["metrics"] = new JsonObject { ["durationMs"] = Monotonic.Round(runtimeNextAt - inv.StartedAt), ["producedBytes"] = inv.ProducedBytes };
        if (inv.ResponseStartAt is { } responseStart && inv.ResponseEndAt is { } responseEnd)
        {
            record["spans"] = new JsonArray(
                Span("responseLatency", inv, inv.StartedAt, responseStart),
                Span("responseDuration", inv, responseStart, responseEnd),
                Span("runtimeOverhead", inv, responseEnd, runtimeNextAt));
        }
        record["tracing"] = Tracing(inv);
        Publish("platform.runtimeDone", record, new JsonObject { ["requestId"] = inv.RequestId, ["status"] = status == "error" ? "failure" : status }, legacyNeedsRuntimeDoneSchema: true);
    }

    private static JsonObject Span(string name, Invocation inv, double from, double to) => new()
    {
        ["name"] = name,
        ["start"] = TimeFormat.Iso(inv.StartTime.AddMilliseconds(from - inv.StartedAt)),
        ["durationMs"] = Monotonic.Round(Math.Max(0, to - from)),
    };

    private static JsonObject Tracing(Invocation inv)
    {
        var parent = inv.TraceId.Split(';').FirstOrDefault(p => p.StartsWith("Parent=", StringComparison.Ordinal));
        var tracing = new JsonObject();
        if (parent is not null) tracing["spanId"] = parent[7..];
        tracing["type"] = "X-Amzn-Trace-Id";
        tracing["value"] = inv.TraceId;
        return tracing;
    }

    private int MeasureMaxMemoryMb()
    {
        if (_cgroup.MaxUsageBytes is { } peak) return (int)Math.Ceiling(peak / (1024.0 * 1024.0));
        Generation? gen;
        lock (_lock) gen = _gen;
        if (gen is null) return 0;
        // Fallback: the peak RSS (VmHWM) of every live process in the sandbox's process groups, summed;
        // kept as a running maximum, like the cgroup's max_usage_in_bytes.
        var groups = AllProcesses(gen).Select(p => p.Pid).ToHashSet();
        long bytes = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (ProcessGroupOf(pid) is { } group && groups.Contains(group)) bytes += PeakRssBytes(pid);
        }
        var mb = (int)Math.Ceiling(bytes / (1024.0 * 1024.0));
        lock (_lock)
        {
            gen.PeakRssMb = Math.Max(gen.PeakRssMb, mb);
            return gen.PeakRssMb;
        }
    }

    private static int? ProcessGroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException) { return null; }
    }

    private static long PeakRssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var digits = new string(line.Where(char.IsDigit).ToArray());
                return long.Parse(digits, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { }
        return 0;
    }

    internal static byte[] ErrorDocument(string errorType, string message) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["errorMessage"] = message, ["errorType"] = errorType }.ToJsonString());

    private static string NewTraceId()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        var random = Guid.NewGuid().ToString("N");
        return $"Root=1-{now}-{random[..24]};Parent={random[16..32]};Sampled=0";
    }

    private void Publish(string type, JsonNode? record, JsonNode? legacy = null, bool legacyNeedsRuntimeDoneSchema = false) =>
        _dispatcher.Publish(new TelemetryEvent(type, DateTimeOffset.UtcNow, record, legacy, legacyNeedsRuntimeDoneSchema));

    private void Lifecycle(string step, JsonObject fields)
    {
        fields["step"] = step;
        _recorder.Write("lifecycle", fields);
    }

    private readonly object _outputLock = new();

    private void WriteLog(string line)
    {
        lock (_outputLock)
        {
            try { _output.WriteLine(line); _output.Flush(); } catch (IOException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        KillAll();
        await _dispatcher.RemoveAllAsync().ConfigureAwait(false);
        _cgroup.Dispose();
        _launcher.Dispose();
        _telemetryHttp.Dispose();
    }
}
