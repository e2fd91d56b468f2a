using System.Collections.Concurrent;

namespace Pulse.Sinks.Tests;

/// <summary>Collects the log lines a sink or delivery writes, so tests can assert on them.</summary>
internal sealed class RecordingLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Write(string line) => _lines.Enqueue(line);

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public int Count(string fragment) => _lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));
}
