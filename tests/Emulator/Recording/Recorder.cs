using System.Text;
using System.Text.Json.Nodes;

namespace Pulse.Emulator.Recording;

/// <summary>
/// The ground truth: one JSON object per line (schema in tests/Emulator/README.md). Every line has
/// "t" (CLOCK_MONOTONIC ms), "wall" (ISO UTC) and "kind". Kept in memory as well, for in-process tests.
/// </summary>
public sealed class Recorder : IDisposable
{
    private readonly object _lock = new();
    private readonly StreamWriter? _file;
    private readonly List<JsonObject> _entries = new();
    private readonly bool _keepInMemory;
    private bool _disposed;

    public Recorder(string? path, bool keepInMemory)
    {
        _keepInMemory = keepInMemory;
        if (path is not null)
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            _file = new StreamWriter(new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        }
    }

    public bool Enabled => _file is not null || _keepInMemory;

    /// <summary>Writes one record. "t" is taken now unless the caller set it (for events that happened earlier).</summary>
    public void Write(string kind, JsonObject fields)
    {
        if (!Enabled) return;
        var line = new JsonObject
        {
            ["t"] = fields.TryGetPropertyValue("t", out var t) && t is not null ? t.GetValue<double>() : Monotonic.Round(Monotonic.NowMs),
            ["wall"] = TimeFormat.Iso(DateTimeOffset.UtcNow),
            ["kind"] = kind,
        };
        foreach (var (key, value) in fields.ToList())
        {
            if (key == "t") continue;
            fields.Remove(key);
            line[key] = value;
        }
        var text = line.ToJsonString();
        lock (_lock)
        {
            // Late events (a killed process reaped after disposal) are dropped, never thrown.
            if (_disposed) return;
            try { _file?.WriteLine(text); }
            catch (IOException) { }
            if (_keepInMemory) _entries.Add(line);
        }
    }

    /// <summary>A snapshot of what was recorded so far (in-memory mode only).</summary>
    public IReadOnlyList<JsonObject> Snapshot()
    {
        lock (_lock) return _entries.ToList();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _file?.Dispose();
        }
    }
}
