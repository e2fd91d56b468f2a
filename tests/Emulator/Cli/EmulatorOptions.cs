using System.Globalization;

namespace Pulse.Emulator.Cli;

/// <summary>
/// Everything the emulator is told: the function's settings (from the same environment variables as RIE and
/// Lambda, with Lambda's defaults), the sandbox content, the endpoints and the lifecycle switches.
/// </summary>
public sealed class EmulatorOptions
{
    public string Bootstrap { get; set; } = "";
    public List<string> BootstrapArgs { get; } = new();

    public string ListenHost { get; set; } = "127.0.0.1";
    public int ListenPort { get; set; } = 8080;
    public string RuntimeApiHost { get; set; } = "127.0.0.1";
    public int RuntimeApiPort { get; set; } = 9001;

    public string? OptDir { get; set; }
    public List<string> Layers { get; } = new();

    public string FunctionName { get; set; } = "test_function";
    public string FunctionVersion { get; set; } = "$LATEST";
    public int MemorySizeMb { get; set; } = 128;
    public int TimeoutSeconds { get; set; } = 3;
    public string Region { get; set; } = "us-east-1";
    public string AccountId { get; set; } = "123456789012";
    public string Handler { get; set; } = "function.handler";
    public string? ExecWrapper { get; set; }
    public string? TaskRoot { get; set; }
    /// <summary>Customer environment variables (--env K=V), seen by the runtime and the extensions.</summary>
    public Dictionary<string, string> CustomerEnvironment { get; } = new(StringComparer.Ordinal);
    /// <summary>Pass the emulator's own environment to the sandbox as customer variables (what RIE does).</summary>
    public bool InheritEnvironment { get; set; }

    public string? RecordPath { get; set; }
    public string? InvokeFile { get; set; }
    public int Invocations { get; set; } = 1;
    /// <summary>Spin the sandbox down after every invocation, so each one is a cold start.</summary>
    public bool ColdStarts { get; set; }
    public bool NoFreeze { get; set; }
    public bool MemoryCap { get; set; }
    /// <summary>Run init at the first invoke (as RIE does) instead of at start-up (as Lambda's pre-warmed init does).</summary>
    public bool LazyInit { get; set; }
    public bool UseMountNamespace { get; set; } = true;
    /// <summary>Use the cgroup freezer and memory controllers (else SIGSTOP/SIGCONT and peak RSS).</summary>
    public bool UseCgroups { get; set; } = true;
    public int InitTimeoutMs { get; set; } = 10_000;
    public int ShutdownTimeoutMs { get; set; } = 2_000;
    public int RuntimeGraceMs { get; set; } = 300;
    /// <summary>Pending bytes per telemetry subscriber before log records are dropped (platform.logsDropped).</summary>
    public int TelemetryQueueBytes { get; set; } = 4 * 1024 * 1024;
    public bool Quiet { get; set; }

    public const string Usage = """
        usage: lambda-emulator [options] <bootstrap> [args...]

        Runs <bootstrap> as a Lambda custom runtime, with the extensions of --opt/--layer, behind the
        Runtime, Extensions, Telemetry and Logs APIs, and serves the RIE invoke endpoint.

          --listen HOST:PORT        invoke endpoint (default 127.0.0.1:8080)
          --runtime-api HOST:PORT   Runtime API for the sandbox (default 127.0.0.1:9001)
          --opt DIR                 the sandbox's /opt (extensions are the files in DIR/extensions)
          --layer ZIP               unzip a layer into a temporary /opt (repeatable, in order)
          --function-name NAME      (env AWS_LAMBDA_FUNCTION_NAME, default test_function)
          --function-version V      (env AWS_LAMBDA_FUNCTION_VERSION, default $LATEST)
          --memory MB               (env AWS_LAMBDA_FUNCTION_MEMORY_SIZE, default 128)
          --timeout S               (env AWS_LAMBDA_FUNCTION_TIMEOUT, seconds, default 3)
          --region R                (env AWS_REGION, default us-east-1)
          --handler H               (env _HANDLER, default function.handler)
          --exec-wrapper PATH       (env AWS_LAMBDA_EXEC_WRAPPER)
          --account-id ID           account id for ARNs and the accountId feature (default 123456789012)
          --task-root DIR           working directory and LAMBDA_TASK_ROOT (default: the bootstrap's folder)
          --env K=V                 customer environment variable (repeatable)
          --inherit-env             also pass the emulator's environment as customer variables (like RIE)
          --record FILE             JSON Lines ground truth of every event, API call and lifecycle step
          --invoke FILE             batch mode: invoke with FILE's content (- = empty payload), then shut down
          --invocations N           batch mode: number of invocations (default 1)
          --cold-starts             spin the sandbox down after every invocation (every invoke is a cold start)
          --no-freeze               do not freeze the sandbox between invocations
          --memory-cap              enforce the memory size with the memory cgroup (OOM kill = Runtime.OutOfMemory)
          --lazy-init               init at the first invoke instead of at start-up
          --no-namespace            do not give the sandbox a private /etc/hosts and /opt
          --no-cgroup               no cgroups: freeze with SIGSTOP/SIGCONT, memory from peak RSS, no --memory-cap
          --init-timeout MS         init phase limit (default 10000)
          --shutdown-timeout MS     shutdown phase budget with extensions (default 2000)
          --runtime-grace MS        SIGTERM grace for the runtime at shutdown (default 300)
          --telemetry-queue-bytes N pending bytes per subscriber before logs are dropped (default 4194304)
          --quiet                   no emulator diagnostics on stderr
        """;

    /// <summary>Parses argv over the environment; returns null and an error message on bad input.</summary>
    public static EmulatorOptions? Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, out string? error)
    {
        var options = new EmulatorOptions();
        error = null;
        try
        {
            options.ApplyEnvironment(environment);
            var i = 0;
            while (i < args.Count && args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var arg = args[i];
                string? inlineValue = null;
                var eq = arg.IndexOf('=');
                if (eq > 0) { inlineValue = arg[(eq + 1)..]; arg = arg[..eq]; }
                string Value()
                {
                    if (inlineValue is not null) return inlineValue;
                    if (i + 1 >= args.Count) throw new FormatException($"{arg} needs a value");
                    return args[++i];
                }
                switch (arg)
                {
                    case "--": i++; goto done;
                    case "--listen": (options.ListenHost, options.ListenPort) = ParseEndpoint(arg, Value()); break;
                    case "--runtime-api": (options.RuntimeApiHost, options.RuntimeApiPort) = ParseEndpoint(arg, Value()); break;
                    case "--opt": options.OptDir = Value(); break;
                    case "--layer": options.Layers.Add(Value()); break;
                    case "--function-name": options.FunctionName = NonEmpty(arg, Value()); break;
                    case "--function-version": options.FunctionVersion = NonEmpty(arg, Value()); break;
                    case "--memory": options.MemorySizeMb = ParseInt(arg, Value(), 128, 10240); break;
                    case "--timeout": options.TimeoutSeconds = ParseInt(arg, Value(), 1, 900); break;
                    case "--region": options.Region = NonEmpty(arg, Value()); break;
                    case "--handler": options.Handler = Value(); break;
                    case "--exec-wrapper": options.ExecWrapper = NonEmpty(arg, Value()); break;
                    case "--account-id": options.AccountId = NonEmpty(arg, Value()); break;
                    case "--task-root": options.TaskRoot = NonEmpty(arg, Value()); break;
                    case "--env":
                        var kv = Value();
                        var k = kv.IndexOf('=');
                        if (k <= 0) throw new FormatException($"--env needs KEY=VALUE, got '{kv}'");
                        options.CustomerEnvironment[kv[..k]] = kv[(k + 1)..];
                        break;
                    case "--inherit-env": options.InheritEnvironment = true; break;
                    case "--record": options.RecordPath = NonEmpty(arg, Value()); break;
                    case "--invoke": options.InvokeFile = NonEmpty(arg, Value()); break;
                    case "--invocations": options.Invocations = ParseInt(arg, Value(), 0, int.MaxValue); break;
                    case "--cold-starts": options.ColdStarts = true; break;
                    case "--no-freeze": options.NoFreeze = true; break;
                    case "--memory-cap": options.MemoryCap = true; break;
                    case "--lazy-init": options.LazyInit = true; break;
                    case "--no-namespace": options.UseMountNamespace = false; break;
                    case "--no-cgroup": options.UseCgroups = false; break;
                    case "--init-timeout": options.InitTimeoutMs = ParseInt(arg, Value(), 1, 3_600_000); break;
                    case "--shutdown-timeout": options.ShutdownTimeoutMs = ParseInt(arg, Value(), 0, 3_600_000); break;
                    case "--runtime-grace": options.RuntimeGraceMs = ParseInt(arg, Value(), 0, 3_600_000); break;
                    case "--telemetry-queue-bytes": options.TelemetryQueueBytes = ParseInt(arg, Value(), 1024, int.MaxValue); break;
                    case "--quiet": options.Quiet = true; break;
                    default: throw new FormatException($"unknown option {arg}");
                }
                i++;
            }
        done:
            if (i >= args.Count) throw new FormatException("missing <bootstrap>");
            options.Bootstrap = args[i];
            for (i++; i < args.Count; i++) options.BootstrapArgs.Add(args[i]);
            return options;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private void ApplyEnvironment(IReadOnlyDictionary<string, string> env)
    {
        string? Get(string key) => env.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        FunctionName = Get("AWS_LAMBDA_FUNCTION_NAME") ?? FunctionName;
        FunctionVersion = Get("AWS_LAMBDA_FUNCTION_VERSION") ?? FunctionVersion;
        if (Get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") is { } memory) MemorySizeMb = ParseInt("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory, 128, 10240);
        if (Get("AWS_LAMBDA_FUNCTION_TIMEOUT") is { } timeout) TimeoutSeconds = ParseInt("AWS_LAMBDA_FUNCTION_TIMEOUT", timeout, 1, 900);
        Region = Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION") ?? Region;
        Handler = Get("_HANDLER") ?? Get("AWS_LAMBDA_FUNCTION_HANDLER") ?? Handler;
        ExecWrapper = Get("AWS_LAMBDA_EXEC_WRAPPER") ?? ExecWrapper;
    }

    private static (string, int) ParseEndpoint(string option, string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FormatException($"{option} needs HOST:PORT, got '{value}'");
        return (value[..colon], port);
    }

    private static int ParseInt(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new FormatException($"{name} must be an integer in {min}..{max}, got '{value}'");
        return n;
    }

    private static string NonEmpty(string option, string value) =>
        value.Length > 0 ? value : throw new FormatException($"{option} needs a non-empty value");
}
