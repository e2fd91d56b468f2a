namespace Pulse.Benchmarks.Harness.Receivers;

/// <summary>How a local metrics receiver behaves: answer at once, or read the request and never answer.</summary>
public enum ReceiverMode
{
    Healthy,
    Hanging,
}
