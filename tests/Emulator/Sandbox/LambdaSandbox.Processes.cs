using System.Globalization;
using System.Text.Json.Nodes;
using Pulse.Emulator.Native;
using Pulse.Emulator.Recording;

namespace Pulse.Emulator.Sandbox;

/// <summary>Init, process supervision, freeze/thaw, reset and shutdown.</summary>
public sealed partial class LambdaSandbox
{
    private async Task<SandboxFault?> InitAsync(string phase, double deadlineAt)
    {
        var gen = new Generation(Interlocked.Increment(ref _generationCount))
        {
            Phase = phase,
            LogStreamName = $"{DateTime.UtcNow:yyyy'/'MM'/'dd}/[{_options.FunctionVersion}]{Guid.NewGuid():N}",
        };
        lock (_lock) _gen = gen;
        _dispatcher.OpenInitWindow();
        _cgroup.ResetMaxUsage();
        gen.OomKillsAtStart = _cgroup.OomKills;
        ThawLocked();
        gen.InitStartedAt = Monotonic.NowMs;
        Lifecycle("init-start", new JsonObject { ["phase"] = phase, ["generation"] = gen.Number });
        Publish("platform.initStart", new JsonObject
        {
            ["initializationType"] = "on-demand",
            ["phase"] = phase,
            ["functionName"] = _options.FunctionName,
            ["functionVersion"] = _options.FunctionVersion,
            ["instanceId"] = gen.LogStreamName,
            ["instanceMaxMemory"] = _options.MemorySizeMb * 1024L * 1024L,
        });

        var fault = LaunchExtensions(gen);
        fault ??= await WaitGateAsync(gen, gen.AllRegistered.Task, deadlineAt, "extensions to register").ConfigureAwait(false);
        fault ??= StartRuntime(gen);
        fault ??= await WaitGateAsync(gen, gen.RuntimeReadyGate.Task, deadlineAt, "the runtime's first /next").ConfigureAwait(false);
        fault ??= await WaitGateAsync(gen, gen.AllReady.Task, deadlineAt, "every extension's first /next").ConfigureAwait(false);

        List<ExtensionAgent> agents;
        lock (_lock)
        {
            gen.Initializing = false;
            gen.RegistrationOpen = false;
            gen.SubscriptionsOpen = false;
            // One platform.extension per extension in launch order (sorted file names), internal ones after.
            agents = gen.Agents.OrderBy(a => a.External ? 0 : 1).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
        }
        var duration = Monotonic.NowMs - gen.InitStartedAt;
        var status = fault?.Status ?? "success";
        var done = new JsonObject { ["initializationType"] = "on-demand", ["phase"] = phase, ["status"] = status };
        if (fault?.ErrorType is { } errorType) done["errorType"] = errorType;
        Publish("platform.initRuntimeDone", done);
        foreach (var (name, launchError) in gen.LaunchErrors)
        {
            var failed = new JsonObject { ["name"] = name, ["state"] = "LaunchError", ["events"] = new JsonArray(), ["errorType"] = launchError };
            Publish("platform.extension", failed, failed.DeepClone());
        }
        foreach (var agent in agents)
        {
            var events = new JsonArray(agent.Events.Order(StringComparer.Ordinal).Select(e => (JsonNode)JsonValue.Create(e)).ToArray());
            var record = new JsonObject { ["name"] = agent.Name, ["state"] = agent.Errored ? "InitError" : agent.Ready ? "Ready" : "Registered", ["events"] = events };
            Publish("platform.extension", record, record.DeepClone());
        }
        var report = new JsonObject { ["initializationType"] = "on-demand", ["phase"] = phase, ["status"] = status };
        if (fault?.ErrorType is { } reportError) report["errorType"] = reportError;
        report["metrics"] = new JsonObject { ["durationMs"] = Monotonic.Round(duration) };
        Publish("platform.initReport", report);
        _dispatcher.CloseInitWindow();
        gen.InitDurationMs = duration;
        Lifecycle("init-end", new JsonObject { ["phase"] = phase, ["status"] = status, ["errorType"] = fault?.ErrorType, ["durationMs"] = Monotonic.Round(duration) });
        if (fault is null) return null;
        _log($"init failed ({phase}): {fault.Status} {fault.ErrorType} {fault.Message}");
        if (fault.ErrorType is not null) WriteLog($"INIT_REPORT Init Duration: {duration.ToString("0.00", CultureInfo.InvariantCulture)} ms\tPhase: {phase}\tStatus: {status}\tError Type: {fault.ErrorType}");
        gen.Broken = true;
        await ResetAsync(gen, fault.ShutdownReason).ConfigureAwait(false);
        return fault;
    }

    private async Task<SandboxFault?> WaitGateAsync(Generation gen, Task gate, double deadlineAt, string what)
    {
        var remaining = deadlineAt - Monotonic.NowMs;
        var timeout = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, remaining)));
        var done = await Task.WhenAny(gate, gen.InitFault.Task, timeout).ConfigureAwait(false);
        if (done == gate) return null;
        if (done == gen.InitFault.Task) return gen.InitFault.Task.Result;
        Lifecycle("init-timeout", new JsonObject { ["waitingFor"] = what });
        return SandboxFault.Timeout($"Init timed out while waiting for {what}");
    }

    private SandboxFault? LaunchExtensions(Generation gen)
    {
        var dir = Path.Combine(_optDir, "extensions");
        if (!Directory.Exists(dir)) { CheckGatesLocked(gen); return null; }
        var files = new DirectoryInfo(dir).GetFiles().Where(f => (f.Attributes & FileAttributes.Directory) == 0)
            .Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
        SandboxFault? fault = null;
        foreach (var name in files)
        {
            var path = Path.Combine(dir, name);
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            {
                WriteLog($"EXTENSION\tName: {name}\tState: LaunchError\tEvents: []\tError Type: PermissionDenied");
                lock (_lock) gen.LaunchErrors.Add((name, "PermissionDenied"));
                fault ??= SandboxFault.Failure("Extension.LaunchError", $"fork/exec /opt/extensions/{name}: permission denied");
                continue;
            }
            var exe = _launcher.OptMountedAtSlashOpt ? $"/opt/extensions/{name}" : path;
            var process = Launch(gen, name, false, exe, Array.Empty<string>(), ExtensionEnvironment(gen));
            lock (_lock) gen.LaunchedExtensions[name] = process;
        }
        lock (_lock) CheckGatesLocked(gen);
        return fault;
    }

    private SandboxFault? StartRuntime(Generation gen)
    {
        if (!File.Exists(_bootstrap))
            return SandboxFault.Failure("Runtime.InvalidEntrypoint", $"fork/exec {_bootstrap}: no such file or directory");
        if ((File.GetUnixFileMode(_bootstrap) & UnixFileMode.UserExecute) == 0)
            return SandboxFault.Failure("Runtime.InvalidEntrypoint", $"fork/exec {_bootstrap}: permission denied");
        var args = new List<string>();
        string exe;
        if (_options.ExecWrapper is { } wrapper) { exe = wrapper; args.Add(_bootstrap); }
        else exe = _bootstrap;
        args.AddRange(_options.BootstrapArgs);
        var process = Launch(gen, "runtime", true, exe, args, RuntimeEnvironment(gen));
        lock (_lock) gen.Runtime = process;
        return null;
    }

    private SandboxProcess Launch(Generation gen, string name, bool isRuntime, string exe, IEnumerable<string> args, Dictionary<string, string> env)
    {
        var process = new SandboxProcess(name, isRuntime, _launcher.Create(exe, args, env, _taskRoot));
        process.Start(OnProcessLine, (p, code) => OnProcessExit(gen, p, code));
        Lifecycle("process-start", new JsonObject { ["name"] = name, ["role"] = isRuntime ? "runtime" : "extension", ["pid"] = process.Pid, ["generation"] = gen.Number });
        return process;
    }

    private void OnProcessLine(SandboxProcess process, string line)
    {
        WriteLog(line);
        var type = process.IsRuntime ? "function" : "extension";
        Publish(type, JsonValue.Create(line), JsonValue.Create(line));
    }

    private void OnProcessExit(Generation gen, SandboxProcess process, int code)
    {
        var description = SandboxProcess.DescribeExit(code);
        Lifecycle("process-exit", new JsonObject { ["name"] = process.Name, ["pid"] = process.Pid, ["exitCode"] = code, ["description"] = description, ["generation"] = gen.Number });
        lock (_lock)
        {
            if (gen != _gen || gen.ShuttingDown) return;
            SandboxFault fault;
            if (process.IsRuntime)
            {
                var oom = _cgroup.OomKills > gen.OomKillsAtStart && (!_cgroup.MeasuresEnclosingCgroup || code == SandboxProcess.KilledBySigkill);
                fault = SandboxFault.Failure(oom ? "Runtime.OutOfMemory" : "Runtime.ExitError", $"Runtime exited with error: {description}");
                _log($"runtime exited: {description}{(oom ? " (out of memory)" : "")}");
            }
            else
            {
                fault = SandboxFault.Failure("Extension.Crash", $"Extension {process.Name} exited: {description}");
                _log($"extension {process.Name} exited: {description}");
            }
            if (gen.Initializing) gen.InitFault.TrySetResult(fault);
            else if (gen.Current is { Ended: false } current) current.Faulted.TrySetResult(fault);
            else gen.Broken = true;
        }
    }

    /// <summary>Opens the init gates whose conditions hold (call under the lock after any state change).</summary>
    private void CheckGatesLocked(Generation gen)
    {
        if (gen.LaunchedExtensions.Keys.All(name => gen.Agents.Any(a => a.External && a.Name == name)))
            gen.AllRegistered.TrySetResult();
        if (gen.RuntimeReady && gen.Agents.All(a => a.Ready || a.Errored))
            gen.AllReady.TrySetResult();
    }

    private Dictionary<string, string> BaseEnvironment(Generation gen)
    {
        var optBin = _launcher.OptMountedAtSlashOpt ? "/opt" : _optDir;
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = $"/usr/local/bin:/usr/bin/:/bin:{optBin}/bin",
            ["LANG"] = "en_US.UTF-8",
            ["TZ"] = ":UTC",
            ["LD_LIBRARY_PATH"] = $"/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:{optBin}/lib",
        };
        if (_options.InheritEnvironment)
        {
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
                env[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        foreach (var (k, v) in _options.CustomerEnvironment) env[k] = v;
        if (_options.ExecWrapper is { } wrapper) env["AWS_LAMBDA_EXEC_WRAPPER"] = wrapper;
        foreach (var key in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" })
        {
            if (Environment.GetEnvironmentVariable(key) is { Length: > 0 } value) env[key] = value;
        }
        env["AWS_LAMBDA_RUNTIME_API"] = $"{_options.RuntimeApiHost}:{_options.RuntimeApiPort}";
        env["AWS_REGION"] = _options.Region;
        env["AWS_DEFAULT_REGION"] = _options.Region;
        env["AWS_LAMBDA_FUNCTION_NAME"] = _options.FunctionName;
        env["AWS_LAMBDA_FUNCTION_VERSION"] = _options.FunctionVersion;
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = _options.MemorySizeMb.ToString(CultureInfo.InvariantCulture);
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
        _ = gen;
        return env;
    }

    private Dictionary<string, string> RuntimeEnvironment(Generation gen)
    {
        var env = BaseEnvironment(gen);
        env["_HANDLER"] = _options.Handler;
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = $"/aws/lambda/{_options.FunctionName}";
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = gen.LogStreamName;
        env["LAMBDA_TASK_ROOT"] = _taskRoot;
        env["LAMBDA_RUNTIME_DIR"] = "/var/runtime";
        env["AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129:2000";
        env["_AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129";
        env["_AWS_XRAY_DAEMON_PORT"] = "2000";
        env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
        return env;
    }

    /// <summary>Extensions see no key starting with "_", no X-Ray keys and none of the runtime-only variables (spec §2.5).</summary>
    private Dictionary<string, string> ExtensionEnvironment(Generation gen)
    {
        var env = BaseEnvironment(gen);
        foreach (var key in env.Keys.ToList())
        {
            if (key.StartsWith('_') || key.StartsWith("AWS_XRAY_", StringComparison.Ordinal)) env.Remove(key);
        }
        foreach (var key in new[] { "AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR" })
            env.Remove(key);
        return env;
    }

    private static IEnumerable<SandboxProcess> AllProcesses(Generation gen)
    {
        foreach (var p in gen.LaunchedExtensions.Values) yield return p;
        if (gen.Runtime is { } runtime) yield return runtime;
    }

    private void FreezeLocked()
    {
        if (_options.NoFreeze || _frozen || _gen is null) return;
        _gate.SetFrozen();
        if (!_cgroup.Freeze())
            foreach (var p in AllProcesses(_gen)) p.SignalGroup(Posix.SIGSTOP);
        _frozen = true;
        Lifecycle("freeze", new JsonObject());
    }

    private void ThawLocked()
    {
        lock (_lock)
        {
            if (_frozen)
            {
                if (!_cgroup.Thaw() && _gen is not null)
                    foreach (var p in AllProcesses(_gen)) p.SignalGroup(Posix.SIGCONT);
                _frozen = false;
                Lifecycle("thaw", new JsonObject());
            }
            _gate.SetThawed();
        }
    }

    private async Task ResetAsync(Generation gen, string reason)
    {
        Lifecycle("reset", new JsonObject { ["reason"] = reason, ["generation"] = gen.Number });
        await ShutdownGenerationAsync(gen, reason).ConfigureAwait(false);
        gen.ResetDone = true;
    }

    /// <summary>
    /// Spec §3.5: no extension → SIGKILL the runtime; else SIGTERM the runtime (grace), SIGKILL it, SHUTDOWN with
    /// the overall deadlineMs to extensions subscribed to it (the others are killed now), SIGKILL the rest at the deadline.
    /// </summary>
    private async Task ShutdownGenerationAsync(Generation gen, string reason)
    {
        List<ExtensionAgent> agents;
        lock (_lock)
        {
            if (gen.ShuttingDown) return;
            gen.ShuttingDown = true;
            gen.Initializing = false;
            agents = gen.Agents.ToList();
        }
        ThawLocked();
        var externals = agents.Where(a => a.External && a.Process is { HasExited: false }).ToList();
        var budget = externals.Count > 0 ? _options.ShutdownTimeoutMs : agents.Count > 0 ? Math.Min(500, _options.ShutdownTimeoutMs) : 0;
        var startedAt = Monotonic.NowMs;
        var deadlineAt = startedAt + budget;
        var deadlineEpochMs = TimeFormat.EpochMs(DateTimeOffset.UtcNow) + budget;
        Lifecycle("shutdown-start", new JsonObject { ["reason"] = reason, ["deadlineMs"] = deadlineEpochMs, ["budgetMs"] = budget, ["generation"] = gen.Number });

        // Launched files that never registered have no SHUTDOWN to wait for.
        foreach (var (name, process) in gen.LaunchedExtensions)
            if (!agents.Any(a => a.External && a.Name == name)) Kill(process, "not registered");

        if (gen.Runtime is { HasExited: false } runtime)
        {
            if (agents.Count == 0) Kill(runtime, "no extensions");
            else
            {
                var grace = Math.Min(agents.Any(a => !a.External) ? 500 : _options.RuntimeGraceMs, budget);
                runtime.Signal(Native.Posix.SIGTERM);
                Lifecycle("signal", new JsonObject { ["name"] = runtime.Name, ["signal"] = "SIGTERM" });
                await Task.WhenAny(runtime.Exited, Task.Delay(grace)).ConfigureAwait(false);
                if (!runtime.HasExited) Kill(runtime, "runtime grace elapsed");
            }
        }
        var waiting = new List<(ExtensionAgent Agent, SandboxProcess Process)>();
        foreach (var agent in externals)
        {
            if (agent.WantsShutdown && !agent.Errored)
            {
                agent.Mailbox.Writer.TryWrite(new JsonObject { ["eventType"] = "SHUTDOWN", ["shutdownReason"] = reason, ["deadlineMs"] = deadlineEpochMs });
                waiting.Add((agent, agent.Process!));
            }
            else Kill(agent.Process!, "not subscribed to SHUTDOWN");
        }
        if (waiting.Count > 0)
        {
            var all = Task.WhenAll(waiting.Select(w => (Task)w.Process.Exited));
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, deadlineAt - Monotonic.NowMs)))).ConfigureAwait(false);
            foreach (var (agent, process) in waiting)
            {
                agent.State = process.HasExited ? "Exited" : "ShutdownFailed";
                if (!process.HasExited) Kill(process, "shutdown deadline");
            }
        }
        _cgroup.KillAll();
        foreach (var p in AllProcesses(gen)) { p.SignalGroup(Posix.SIGCONT); p.SignalGroup(Posix.SIGKILL); }
        await Task.WhenAny(Task.WhenAll(AllProcesses(gen).Select(p => (Task)p.Exited)), Task.Delay(2000)).ConfigureAwait(false);
        gen.Lifetime.Cancel();
        await _dispatcher.RemoveAllAsync().ConfigureAwait(false);
        lock (_lock) _frozen = false;
        Lifecycle("shutdown-end", new JsonObject
        {
            ["reason"] = reason,
            ["generation"] = gen.Number,
            ["durationMs"] = Monotonic.Round(Monotonic.NowMs - startedAt),
            ["extensions"] = new JsonObject(agents.Select(a => KeyValuePair.Create(a.Name, (JsonNode?)JsonValue.Create(a.State)))),
        });
    }

    private void Kill(SandboxProcess process, string why)
    {
        if (process.HasExited) return;
        process.SignalGroup(Posix.SIGCONT);
        process.SignalGroup(Posix.SIGKILL);
        Lifecycle("kill", new JsonObject { ["name"] = process.Name, ["pid"] = process.Pid, ["why"] = why });
    }
}
