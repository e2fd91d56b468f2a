using System.Text;

namespace Pulse.Emulator.Tests.Support;

/// <summary>A TextWriter that keeps the lines written to it (the emulator's stdout pass-through).</summary>
public sealed class CapturingWriter : TextWriter
{
    private readonly object _lock = new();
    private readonly List<string> _lines = new();
    private readonly StringBuilder _current = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n') { _lines.Add(_current.ToString()); _current.Clear(); }
            else if (value != '\r') _current.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            _current.Append(value);
            _lines.Add(_current.ToString());
            _current.Clear();
        }
    }

    public IReadOnlyList<string> Lines { get { lock (_lock) return _lines.ToList(); } }
}
