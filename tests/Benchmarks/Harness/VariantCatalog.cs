using Pulse.Benchmarks.Harness.Sandbox;

namespace Pulse.Benchmarks.Harness;

/// <summary>
/// The variants measured side by side: no extension, the floor, Pulse AOT and the same Pulse code
/// run JIT. Pulse's telemetry listener gets a free port per run: other suites may run at the same time.
/// </summary>
public sealed class VariantCatalog(BenchPaths paths)
{
    public const string None = "none";
    public const string Floor = "floor";
    public const string PulseAot = "pulse-aot";
    public const string PulseJit = "pulse-jit";

    public ExtensionVariant? FloorVariant => paths.Floor is { } floor
        ? new ExtensionVariant { Id = Floor, ExtensionName = "floor", Executable = floor }
        : null;

    public ExtensionVariant? PulseAotVariant => paths.PulseAot is { } binary
        ? new ExtensionVariant { Id = PulseAot, ExtensionName = "pulse", Executable = binary, Environment = PulseEnvironment() }
        : null;

    public ExtensionVariant? PulseJitVariant => paths.PulseJit is { } wrapper
        ? new ExtensionVariant { Id = PulseJit, ExtensionName = JitExtensionName ?? "pulse", Executable = wrapper, Environment = PulseEnvironment() }
        : null;

    /// <summary>
    /// The name the JIT build registers with (see <see cref="ExtensionNameProbe"/>); its wrapper file is
    /// named after it, as Lambda requires. Null until probed, or when the probe got no answer.
    /// </summary>
    public string? JitExtensionName { get; private set; }

    public async Task ProbeJitNameAsync(Action<string> log)
    {
        if (paths.PulseJit is not { } wrapper) return;
        JitExtensionName = await ExtensionNameProbe.DiscoverAsync(wrapper, TimeSpan.FromSeconds(20));
        if (JitExtensionName is null) log("pulse-jit: no /register seen from the JIT build; its file is named 'pulse'");
        else if (JitExtensionName != "pulse") log($"pulse-jit registers as '{JitExtensionName}': its wrapper is named so in /opt/extensions");
    }

    /// <summary>The settings every Pulse run shares; the listener port is chosen again before each run.</summary>
    private static Dictionary<string, string> PulseEnvironment()
    {
        var environment = new Dictionary<string, string> { ["PULSE_TELEMETRY_PORT"] = "0" };
        // BENCH_PULSE_ENV="K=V;K2=V2": extra settings for every Pulse variant, for experiments
        // (e.g. DOTNET_GCgen0size); a run that uses it says so in its command line.
        foreach (var pair in (System.Environment.GetEnvironmentVariable("BENCH_PULSE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0) environment[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return environment;
    }

    /// <summary>A copy of the variant with a fresh free port for its telemetry listener.</summary>
    public static ExtensionVariant WithFreshPorts(ExtensionVariant variant) =>
        variant.Environment.ContainsKey("PULSE_TELEMETRY_PORT")
            ? variant.With(variant.Id, ("PULSE_TELEMETRY_PORT", EmulatorSession.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture)))
            : variant;
}
