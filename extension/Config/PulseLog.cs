namespace Pulse.Config;

/// <summary>
/// Pulse's own log lines, on stderr so that stdout carries only EMF. One line per message, prefixed
/// with "[pulse]" and the level; <see cref="Once"/> keeps a recurring fault to one line.
/// </summary>
public sealed class PulseLog
{
    private readonly TextWriter _writer;
    private readonly object _gate = new();
    private readonly HashSet<string> _onceKeys = new(StringComparer.Ordinal);

    public PulseLog(TextWriter writer, LogLevel level = LogLevel.Warn)
    {
        _writer = writer;
        Level = level;
    }

    public LogLevel Level { get; set; }

    public bool IsEnabled(LogLevel level) => level <= Level;

    public void Error(string message) => Write(LogLevel.Error, message);
    public void Warn(string message) => Write(LogLevel.Warn, message);
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Debug(string message) => Write(LogLevel.Debug, message);

    /// <summary>Writes the message only the first time this key is seen (a fault repeated per invocation logs once).</summary>
    public void Once(LogLevel level, string key, string message)
    {
        if (!IsEnabled(level)) return;
        lock (_gate)
        {
            if (_onceKeys.Count > 256 || !_onceKeys.Add(key)) return;
        }
        Write(level, message);
    }

    public void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level)) return;
        var prefix = level switch
        {
            LogLevel.Error => "[pulse] error: ",
            LogLevel.Warn => "[pulse] warn: ",
            LogLevel.Info => "[pulse] info: ",
            _ => "[pulse] debug: ",
        };
        lock (_gate)
        {
            try
            {
                _writer.Write(prefix);
                _writer.WriteLine(message);
                _writer.Flush();
            }
            catch (IOException)
            {
                // stderr closed: nothing sensible to do, and logging must never break the extension.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
