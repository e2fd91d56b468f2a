using System.Globalization;
using System.Runtime.InteropServices;
using Pulse.Flushing;
using Pulse.Metrics;

namespace Pulse.Config;

/// <summary>
/// Every setting, read once from the environment into one immutable object after the first /next has
/// been sent. Each PULSE_* variable is documented in extension/README.md.
/// </summary>
public sealed record PulseSettings
{
    public static IReadOnlyList<string> DefaultSinks { get; } = ["emf"];
    public static IReadOnlyList<IReadOnlyList<string>> DefaultEmfDimensions { get; } = [[TagKeys.FunctionName]];

    public FlushStrategy Flush { get; init; } = FlushStrategy.Default;
    public IReadOnlyList<string> Sinks { get; init; } = DefaultSinks;
    public string EmfNamespace { get; init; } = "Pulse";
    public IReadOnlyList<IReadOnlyList<string>> EmfDimensions { get; init; } = DefaultEmfDimensions;
    /// <summary>UDP port of the DogStatsD listener on 127.0.0.1; 0 disables it.</summary>
    public int DogStatsDPort { get; init; } = 8125;
    public bool SelfMetrics { get; init; } = true;
    public LogLevel LogLevel { get; init; } = LogLevel.Warn;
    /// <summary>Points a delivery may hold before it drops the oldest.</summary>
    public int BufferMaxPoints { get; init; } = 10_000;
    /// <summary>How long SHUTDOWN waits for REPORTs still owed (never after a timeout shutdown).</summary>
    public TimeSpan ShutdownReportWait { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>Optional price overrides (USD); null means the built-in price table.</summary>
    public double? PricePerGbSecond { get; init; }
    public double? PricePerRequest { get; init; }
    /// <summary>PULSE_TAGS: extra key:value tags added to every point.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraTags { get; init; } = [];

    // Facts about the function, from the variables Lambda sets.
    public string FunctionName { get; init; } = "unknown";
    public string Region { get; init; } = "us-east-1";
    public string FunctionVersion { get; init; } = "$LATEST";
    public int MemorySizeMb { get; init; }
    public string InitializationType { get; init; } = "on-demand";
    public string Architecture { get; init; } = CurrentArchitecture();

    public static PulseSettings Read(EnvironmentReader env)
    {
        var endBudget = env.Int("PULSE_FLUSH_END_BUDGET_MS", 200, 1, 10_000);
        var flush = FlushStrategy.Default with { EndBudget = TimeSpan.FromMilliseconds(endBudget) };
        if (env.Raw("PULSE_FLUSH") is { } flushText)
        {
            var parsed = FlushStrategy.TryParse(flushText, TimeSpan.FromMilliseconds(endBudget));
            if (parsed is null) env.Invalid("PULSE_FLUSH", flushText, FlushStrategy.Accepted, "default");
            else flush = parsed;
        }

        var logLevel = LogLevel.Warn;
        if (env.Raw("PULSE_LOG_LEVEL") is { } levelText)
        {
            switch (levelText.ToLowerInvariant())
            {
                case "off" or "none": logLevel = LogLevel.Off; break;
                case "error": logLevel = LogLevel.Error; break;
                case "warn" or "warning": logLevel = LogLevel.Warn; break;
                case "info": logLevel = LogLevel.Info; break;
                case "debug": logLevel = LogLevel.Debug; break;
                default: env.Invalid("PULSE_LOG_LEVEL", levelText, "off, error, warn, info or debug", "warn"); break;
            }
        }

        var dogStatsDPort = env.Int("PULSE_DOGSTATSD_PORT", 8125, 0, 65535);
        if (dogStatsDPort is > 0 and < 1024 or StartupSettings.ReservedPort)
        {
            env.Invalid("PULSE_DOGSTATSD_PORT", dogStatsDPort.ToString(CultureInfo.InvariantCulture),
                "0 (off) or a port from 1024 to 65535 other than 9001", "8125");
            dogStatsDPort = 8125;
        }

        return new PulseSettings
        {
            Flush = flush,
            Sinks = env.List("PULSE_SINKS", DefaultSinks),
            EmfNamespace = ReadNamespace(env),
            EmfDimensions = ReadDimensions(env),
            DogStatsDPort = dogStatsDPort,
            SelfMetrics = env.Bool("PULSE_SELF_METRICS", true),
            LogLevel = logLevel,
            BufferMaxPoints = env.Int("PULSE_BUFFER_MAX_POINTS", 10_000, 100, 1_000_000),
            ShutdownReportWait = TimeSpan.FromMilliseconds(env.Int("PULSE_SHUTDOWN_REPORT_WAIT_MS", 300, 0, 1_000)),
            PricePerGbSecond = env.OptionalDouble("PULSE_PRICE_PER_GB_SECOND", 0, 1),
            PricePerRequest = env.OptionalDouble("PULSE_PRICE_PER_REQUEST", 0, 1),
            ExtraTags = ReadTags(env),
            FunctionName = env.String("AWS_LAMBDA_FUNCTION_NAME", "unknown"),
            Region = env.Raw("AWS_REGION") ?? env.Raw("AWS_DEFAULT_REGION") ?? "us-east-1",
            FunctionVersion = env.String("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            MemorySizeMb = env.Int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 0, 1_000_000),
            InitializationType = env.String("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        };
    }

    public static string CurrentArchitecture() =>
        RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x86_64";

    private static string ReadNamespace(EnvironmentReader env)
    {
        var raw = env.Raw("PULSE_EMF_NAMESPACE");
        if (raw is null) return "Pulse";
        // CloudWatch: 1–255 characters, no colon-only rules worth enforcing beyond printable ASCII.
        if (raw.Length <= 255 && raw.All(c => c is >= ' ' and <= '~') && !raw.StartsWith(':'))
            return raw;
        env.Invalid("PULSE_EMF_NAMESPACE", raw, "1 to 255 printable ASCII characters", "Pulse");
        return "Pulse";
    }

    /// <summary>PULSE_EMF_DIMENSIONS: dimension sets separated by ';', the keys of one set by ','.</summary>
    private static IReadOnlyList<IReadOnlyList<string>> ReadDimensions(EnvironmentReader env)
    {
        var raw = env.Raw("PULSE_EMF_DIMENSIONS");
        if (raw is null) return DefaultEmfDimensions;
        var sets = new List<IReadOnlyList<string>>();
        foreach (var setText in raw.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var keys = setText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();
            if (keys.Length == 0 || keys.Length > 30 || keys.Any(k => !TagKeys.All.Contains(k)))
            {
                env.Invalid("PULSE_EMF_DIMENSIONS", raw,
                    $"sets of tag keys separated by ';', keys separated by ',' (at most 30 per set), keys among {string.Join(", ", TagKeys.All)}",
                    TagKeys.FunctionName);
                return DefaultEmfDimensions;
            }
            sets.Add(keys);
        }
        return sets.Count > 0 ? sets : DefaultEmfDimensions;
    }

    /// <summary>PULSE_TAGS: key:value pairs separated by ','; keys must not collide with the standard tags.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> ReadTags(EnvironmentReader env)
    {
        var raw = env.Raw("PULSE_TAGS");
        if (raw is null) return [];
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var item in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.IndexOf(':');
            var key = colon > 0 ? item[..colon].Trim() : "";
            var value = colon > 0 ? item[(colon + 1)..].Trim() : "";
            if (key.Length == 0 || value.Length == 0 || TagKeys.All.Contains(key) || key == TagKeys.RequestId
                || MetricCatalog.Find(key) is not null)
            {
                env.Invalid("PULSE_TAGS", raw, "key:value pairs separated by ',' whose keys are not standard tag or metric names", "no extra tags");
                return [];
            }
            tags.Add(new(key, value));
        }
        return tags;
    }
}
