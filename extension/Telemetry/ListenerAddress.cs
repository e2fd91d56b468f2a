using System.Net;
using System.Net.Sockets;

namespace Pulse.Telemetry;

/// <summary>
/// The address the telemetry listener binds: the one <c>sandbox.localdomain</c> resolves to (the
/// platform posts there), from /etc/hosts first (no network), then DNS with a short timeout, else
/// 127.0.0.1. An address that is not local to this machine cannot be bound: the caller falls back too.
/// </summary>
public static class ListenerAddress
{
    public const string SandboxHost = "sandbox.localdomain";
    public static readonly TimeSpan DnsTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Starts resolving: completed at once when /etc/hosts names the host (every Lambda sandbox); otherwise a
    /// DNS lookup of at most <see cref="DnsTimeout"/> that runs while the caller registers.
    /// </summary>
    public static Task<IPAddress> ResolveAsync(string hostsFile = "/etc/hosts") =>
        FromHostsFile(hostsFile, SandboxHost) is { } fromHosts ? Task.FromResult(fromHosts) : LookUpAsync();

    private static async Task<IPAddress> LookUpAsync()
    {
        try
        {
            var lookup = Dns.GetHostAddressesAsync(SandboxHost, AddressFamily.InterNetwork);
            var addresses = await lookup.WaitAsync(DnsTimeout).ConfigureAwait(false);
            if (addresses.Length > 0) return addresses[0];
        }
        catch (Exception e) when (e is SocketException or TimeoutException or ArgumentException)
        {
        }
        return IPAddress.Loopback;
    }

    /// <summary>The first IPv4 address /etc/hosts gives <paramref name="host"/>, or null.</summary>
    public static IPAddress? FromHostsFile(string path, string host)
    {
        try
        {
            foreach (var rawLine in File.ReadLines(path))
            {
                var hash = rawLine.IndexOf('#');
                var line = hash >= 0 ? rawLine[..hash] : rawLine;
                var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2 || !IPAddress.TryParse(fields[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork) continue;
                for (var i = 1; i < fields.Length; i++)
                {
                    if (string.Equals(fields[i], host, StringComparison.OrdinalIgnoreCase)) return address;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
