namespace Pulse.Testing;

/// <summary>The outcome of one external command.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}: {Stdout.Trim()} {Stderr.Trim()}".Trim();
}
