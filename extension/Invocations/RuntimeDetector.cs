using System.Text;

namespace Pulse.Invocations;

/// <summary>
/// The function's runtime for the runtime tag (spec §7.3): AWS_EXECUTION_ENV when visible, else the
/// runtime version of platform.initStart, else AWS_EXECUTION_ENV found in another process's environment
/// under /proc, else provided.al2023/al2 from /etc/os-release, else "unknown". Runs once, off the
/// start-up path.
/// </summary>
public static class RuntimeDetector
{
    private const string ExecutionEnvPrefix = "AWS_Lambda_";

    /// <summary>"AWS_Lambda_python3.12" → "python3.12"; null when it is not that shape.</summary>
    public static string? FromExecutionEnv(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var underscore = value.LastIndexOf('_');
        var runtime = value.StartsWith(ExecutionEnvPrefix, StringComparison.Ordinal) ? value[ExecutionEnvPrefix.Length..]
            : underscore >= 0 ? value[(underscore + 1)..] : value;
        return runtime.Length > 0 ? runtime : null;
    }

    /// <summary>platform.initStart runtimeVersion ("python:3.12.v20", "nodejs:20.v22") → "python3.12", "nodejs20.x".</summary>
    public static string? FromRuntimeVersion(string? runtimeVersion)
    {
        if (string.IsNullOrWhiteSpace(runtimeVersion)) return null;
        var colon = runtimeVersion.IndexOf(':');
        if (colon <= 0 || colon == runtimeVersion.Length - 1) return null;
        var name = runtimeVersion[..colon];
        var version = runtimeVersion[(colon + 1)..];
        var build = version.LastIndexOf(".v", StringComparison.Ordinal);
        if (build > 0) version = version[..build];
        if (version.Length == 0) return null;
        return name switch
        {
            "nodejs" => $"nodejs{version}.x",
            "provided" => $"provided.{version}",
            _ => name + version,
        };
    }

    /// <summary>The slow fallbacks: other processes' environment, then the OS release.</summary>
    public static string DetectFromSystem(string procRoot = "/proc", string osRelease = "/etc/os-release")
    {
        try
        {
            var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var dir in Directory.EnumerateDirectories(procRoot))
            {
                var name = Path.GetFileName(dir);
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || name == self) continue;
                try
                {
                    var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                    var found = FindVariable(environ, "AWS_EXECUTION_ENV=");
                    if (FromExecutionEnv(found) is { } runtime) return runtime;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's process or one that just exited.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        try
        {
            foreach (var line in File.ReadLines(osRelease))
            {
                if (!line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) continue;
                if (line.Contains("Amazon Linux 2023", StringComparison.Ordinal)) return "provided.al2023";
                if (line.Contains("Amazon Linux 2", StringComparison.Ordinal)) return "provided.al2";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return "unknown";
    }

    private static string? FindVariable(byte[] environ, string prefix)
    {
        var key = Encoding.ASCII.GetBytes(prefix);
        var span = environ.AsSpan();
        while (!span.IsEmpty)
        {
            var end = span.IndexOf((byte)0);
            var entry = end < 0 ? span : span[..end];
            if (entry.StartsWith(key)) return Encoding.UTF8.GetString(entry[key.Length..]);
            if (end < 0) break;
            span = span[(end + 1)..];
        }
        return null;
    }
}
