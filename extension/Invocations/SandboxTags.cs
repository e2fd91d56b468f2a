using Pulse.Config;
using Pulse.Metrics;

namespace Pulse.Invocations;

/// <summary>
/// The tags of this sandbox (function, region, account, memory, version, architecture, runtime,
/// init type), built once and cached for the three cold_start values, rebuilt only when a sandbox fact
/// changes (account id from register, runtime from initStart, init type from initStart or a restore).
/// Not thread-safe: used under the tracker's lock.
/// </summary>
public sealed class SandboxTags
{
    private readonly PulseSettings _settings;
    private readonly Func<string> _detectRuntime;
    private string _accountId = "none";
    private string? _runtime;
    private string _initType;
    private MetricTags? _cold, _warm, _sandbox;

    public SandboxTags(PulseSettings settings, Func<string>? detectRuntime = null)
    {
        _settings = settings;
        _initType = settings.InitializationType;
        _detectRuntime = detectRuntime ?? (() => RuntimeDetector.DetectFromSystem());
        _runtime = RuntimeDetector.FromExecutionEnv(Environment.GetEnvironmentVariable("AWS_EXECUTION_ENV"));
    }

    public string InitType => _initType;

    public string AccountId
    {
        get => _accountId;
        set => Change(ref _accountId, string.IsNullOrWhiteSpace(value) ? "none" : value);
    }

    public void SetInitType(string? initType)
    {
        if (!string.IsNullOrWhiteSpace(initType)) Change(ref _initType, initType);
    }

    /// <summary>A runtime learned from telemetry (initStart runtimeVersion) wins over the system scan.</summary>
    public void SetRuntime(string? runtime)
    {
        if (runtime is null) return;
        string current = _runtime ?? "";
        Change(ref current, runtime);
        _runtime = current;
    }

    /// <summary>The tags for a point: coldStart null for sandbox-level points (shutdowns, self-metrics).</summary>
    public MetricTags For(bool? coldStart) => coldStart switch
    {
        true => _cold ??= Build(true),
        false => _warm ??= Build(false),
        null => _sandbox ??= Build(null),
    };

    private MetricTags Build(bool? coldStart)
    {
        _runtime ??= _detectRuntime();
        return new MetricTags
        {
            FunctionName = _settings.FunctionName,
            Region = _settings.Region,
            AccountId = _accountId,
            MemorySizeMb = _settings.MemorySizeMb,
            ExecutedVersion = _settings.FunctionVersion,
            Architecture = _settings.Architecture,
            Runtime = _runtime,
            ColdStart = coldStart,
            InitType = _initType,
            Extra = _settings.ExtraTags,
        };
    }

    private void Change(ref string field, string value)
    {
        if (string.Equals(field, value, StringComparison.Ordinal)) return;
        field = value;
        _cold = _warm = _sandbox = null;
    }
}
