using System.Text;
using Pulse.Config;
using Pulse.Invocations;
using Pulse.Telemetry;

namespace Pulse.Tests;

/// <summary>A tracker fed through the real parser, with a capturing publisher: what Pulse derives from given telemetry.</summary>
internal sealed class TrackerHarness
{
    public TrackerHarness(bool emitRuntimeDoneEarly = false, bool telemetry = true, string initType = "on-demand",
        DateTimeOffset? processStart = null, string architecture = "x86_64", int memory = 128)
    {
        Settings = new PulseSettings
        {
            FunctionName = "fn",
            Region = "us-east-1",
            MemorySizeMb = memory,
            InitializationType = initType,
            Architecture = architecture,
        };
        Log = new PulseLog(LogText, LogLevel.Debug);
        Tags = new SandboxTags(Settings, () => "provided.al2023");
        Tracker = new InvocationTracker(Published, Tags, new CostEstimator(PriceTable.For("us-east-1", architecture)), Log,
            processStart ?? TelemetryJson.T0.AddMilliseconds(-300), memory, emitRuntimeDoneEarly, telemetry);
        Parser = new TelemetryParser(new TelemetryCounters());
    }

    public PulseSettings Settings { get; }
    public CapturingPublisher Published { get; } = new();
    public StringWriter LogText { get; } = new();
    public PulseLog Log { get; }
    public SandboxTags Tags { get; }
    public InvocationTracker Tracker { get; }
    public TelemetryParser Parser { get; }

    public void Invoke(string requestId, double atMs = -1) =>
        Tracker.OnInvoke(requestId, TelemetryJson.T0.AddSeconds(3).ToUnixTimeMilliseconds(), TelemetryJson.T0.AddMilliseconds(atMs));

    public void Feed(params string[] events)
    {
        var parsed = new List<TelemetryEvent>();
        Parser.Parse(Encoding.UTF8.GetBytes(TelemetryJson.Batch(events)), parsed);
        foreach (var e in parsed) Tracker.OnTelemetry(e);
    }
}
