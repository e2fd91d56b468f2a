using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// Asks an extension build which name it registers with: runs it against a one-shot stand-in for the
/// Extensions API on 127.0.0.1 that reads the Lambda-Extension-Name header of /register and answers
/// 500 (the extension then exits). Lambda requires the name to equal the file name in
/// /opt/extensions, and a JIT build started as `dotnet pulse.dll` may derive "pulse.dll" from its
/// command line: the harness names the file after what the build actually sends.
/// </summary>
public static class ExtensionNameProbe
{
    public static async Task<string?> DiscoverAsync(string executable, TimeSpan timeout)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{port}";
        start.Environment["PULSE_TELEMETRY_PORT"] = EmulatorSession.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start);
        if (process is null) return null;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using var client = await listener.AcceptTcpClientAsync(deadline.Token);
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream, deadline.Token);
            var answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8.ToArray();
            await stream.WriteAsync(answer, deadline.Token);
            foreach (var line in head.Split("\r\n"))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim().Equals("Lambda-Extension-Name", StringComparison.OrdinalIgnoreCase))
                {
                    return line[(colon + 1)..].Trim();
                }
            }
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0) return text[..end];
        }
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
