using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pulse.TestFunction;

/// <summary>Sends each DogStatsD line as its own UDP datagram to 127.0.0.1, as a function's statsd client would.</summary>
internal static class StatsdSender
{
    public const int DefaultPort = 8125;

    /// <summary>PULSE_DOGSTATSD_PORT when it is a valid port, else 8125.</summary>
    public static int PortFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("PULSE_DOGSTATSD_PORT"), out var port) && port is > 0 and < 65536
            ? port
            : DefaultPort;

    public static int Send(IReadOnlyList<string> lines, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var sent = 0;
        foreach (var line in lines)
        {
            try
            {
                socket.SendTo(Encoding.UTF8.GetBytes(line), target);
                sent++;
            }
            catch (SocketException e)
            {
                // UDP to a closed port can report ECONNREFUSED from an earlier datagram; the function must not fail for it.
                Console.Error.WriteLine($"[test-function] statsd datagram to 127.0.0.1:{port} not sent: {e.SocketErrorCode}");
            }
        }
        return sent;
    }
}
