using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Pulse.Emulator.Sandbox;

/// <summary>Why an invoke or an init ended abnormally, in the platform's words.</summary>
internal sealed record SandboxFault(string Status, string? ErrorType, string Message, string ShutdownReason)
{
    public static SandboxFault Timeout(string message) => new("timeout", null, message, "timeout");

    /// <summary>RAPID's mapping: status "failure" for Sandbox.* errors, else "error"; the extensions hear "failure".</summary>
    public static SandboxFault Failure(string errorType, string message) =>
        new(errorType.StartsWith("Sandbox.", StringComparison.Ordinal) ? "failure" : "error", errorType, message, "failure");
}

/// <summary>An extension as RAPID tracks it: registered, ready (called /next), its mailbox of events.</summary>
internal sealed class ExtensionAgent
{
    public ExtensionAgent(string name, Guid id, bool external, IReadOnlyList<string> events)
    {
        Name = name;
        Id = id;
        External = external;
        Events = events;
    }

    public string Name { get; }
    public Guid Id { get; }
    public bool External { get; }
    public IReadOnlyList<string> Events { get; }
    public bool WantsInvoke => Events.Contains("INVOKE");
    public bool WantsShutdown => Events.Contains("SHUTDOWN");
    public bool Ready { get; set; }
    public bool Errored { get; set; }
    public string State { get; set; } = "Registered";
    public SandboxProcess? Process { get; set; }
    public bool SubscribedTelemetry { get; set; }
    public bool SubscribedLogs { get; set; }
    public Channel<JsonObject> Mailbox { get; } = Channel.CreateUnbounded<JsonObject>();
}

/// <summary>One invocation's progress, stamped with CLOCK_MONOTONIC ms.</summary>
internal sealed class Invocation
{
    public Invocation(InvokeRequest request, string requestId, string traceId)
    {
        Request = request;
        RequestId = requestId;
        TraceId = traceId;
    }

    public InvokeRequest Request { get; }
    public string RequestId { get; }
    public string TraceId { get; }
    public double ArrivedAt { get; set; }
    public double StartedAt { get; set; }
    public DateTimeOffset StartTime { get; set; }
    public long DeadlineEpochMs { get; set; }
    public double DeadlineAt { get; set; }
    public bool Responded { get; set; }
    public double? ResponseStartAt { get; set; }
    public double? ResponseEndAt { get; set; }
    public double? RuntimeNextAt { get; set; }
    public int ProducedBytes { get; set; }
    public string? FunctionErrorType { get; set; }
    public double? InitDurationMs { get; set; }
    public string Phase { get; set; } = "";
    public bool Ended { get; set; }
    public Dictionary<ExtensionAgent, double?> ExtensionNext { get; } = new();
    public TaskCompletionSource<InvokeResponse> ClientResponse { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<SandboxFault> Faulted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<Invocation> Dispatched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One incarnation of the sandbox, from init to reset or shutdown: its processes, its extensions, its gates.
/// A reset throws the generation away; requests carrying its ids are then unknown.
/// </summary>
internal sealed class Generation
{
    public Generation(int number) => Number = number;

    public int Number { get; }
    public string Phase { get; set; } = "init";
    public bool Initializing { get; set; } = true;
    public bool Broken { get; set; }
    public bool ShuttingDown { get; set; }
    public bool ResetDone { get; set; }
    public string LogStreamName { get; set; } = "";
    public List<(string Name, string ErrorType)> LaunchErrors { get; } = new();
    public bool RegistrationOpen { get; set; } = true;
    public bool SubscriptionsOpen { get; set; } = true;
    public double InitStartedAt { get; set; }
    public double? InitDurationMs { get; set; }
    public bool InitDurationReported { get; set; }
    public Dictionary<string, SandboxProcess> LaunchedExtensions { get; } = new(StringComparer.Ordinal);
    public List<ExtensionAgent> Agents { get; } = new();
    public SandboxProcess? Runtime { get; set; }
    public bool RuntimeReady { get; set; }
    public Channel<Invocation> RuntimeMailbox { get; } = Channel.CreateUnbounded<Invocation>();
    public Invocation? Current { get; set; }
    public long OomKillsAtStart { get; set; }
    public int PeakRssMb { get; set; }
    public CancellationTokenSource Lifetime { get; } = new();
    public TaskCompletionSource AllRegistered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource RuntimeReadyGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource AllReady { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<SandboxFault> InitFault { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
