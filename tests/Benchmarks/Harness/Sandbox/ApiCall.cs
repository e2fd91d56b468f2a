namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>One API call the emulator received: when (CLOCK_MONOTONIC ms), what, and its answer.</summary>
public sealed record ApiCall(double T, string Method, string Path, int Status);
