namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>How a batch-mode emulator run ended, and where its record and log are.</summary>
public sealed record BatchOutcome(int ExitCode, bool TimedOut, string RecordPath, string LogPath);
