using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Config;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Tests;

public sealed class TelemetryHttpServerTests
{
    private sealed class RecordingHandler : ITelemetryBatchHandler
    {
        public List<string> Bodies { get; } = [];
        public List<string> Problems { get; } = [];
        public SemaphoreSlim Received { get; } = new(0);

        public void OnBatch(ReadOnlySpan<byte> body)
        {
            lock (Bodies) Bodies.Add(Encoding.UTF8.GetString(body));
            Received.Release();
        }

        public void OnUnreadableRequest(string problem)
        {
            lock (Problems) Problems.Add(problem);
            Received.Release();
        }
    }

    private static async Task<string> RawExchangeAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            if (text.ToString().Contains("Connection: close") || text.ToString().Split("HTTP/1.1 200").Length > request.Split("POST").Length - 1) break;
        }
        return text.ToString();
    }

    [Fact]
    public async Task Answers_200_for_any_host_header_and_hands_over_the_body()
    {
        var handler = new RecordingHandler();
        await using var server = TelemetryHttpServer.Start(IPAddress.Loopback, TestEnvironment.FreeTcpPort(), handler, new PulseLog(TextWriter.Null));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.Port}/")
        {
            Content = new StringContent("[{\"type\":\"platform.start\"}]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = $"sandbox.localdomain:{server.Port}";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await handler.Received.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("[{\"type\":\"platform.start\"}]", Assert.Single(handler.Bodies));
    }

    [Fact]
    public async Task Reads_chunked_bodies_and_several_requests_on_one_connection()
    {
        var handler = new RecordingHandler();
        await using var server = TelemetryHttpServer.Start(IPAddress.Loopback, TestEnvironment.FreeTcpPort(), handler, new PulseLog(TextWriter.Null));
        var response = await RawExchangeAsync(server.Port,
            "POST / HTTP/1.1\r\nHost: sandbox.localdomain\r\nContent-Length: 2\r\n\r\n[]" +
            "POST /x HTTP/1.1\r\nHost: sandbox\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[1,\r\n2;ext=1\r\n2]\r\n0\r\n\r\n");
        Assert.Equal(2, response.Split("HTTP/1.1 200 OK").Length - 1);
        for (var i = 0; i < 2; i++) Assert.True(await handler.Received.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["[]", "[1,2]"], handler.Bodies);
    }

    [Fact]
    public async Task A_malformed_request_is_answered_400_and_counted()
    {
        var handler = new RecordingHandler();
        await using var server = TelemetryHttpServer.Start(IPAddress.Loopback, TestEnvironment.FreeTcpPort(), handler, new PulseLog(TextWriter.Null));
        var response = await RawExchangeAsync(server.Port, "HELLO\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.True(await handler.Received.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Single(handler.Problems);
    }

    [Fact]
    public async Task A_busy_port_moves_to_the_next_one_and_says_so()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var busy = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var log = new StringWriter();
        await using var server = TelemetryHttpServer.Start(IPAddress.Loopback, busy, new RecordingHandler(), new PulseLog(log));
        Assert.NotEqual(busy, server.Port);
        Assert.InRange(server.Port, busy + 1, busy + TelemetryHttpServer.PortAttempts);
        Assert.Contains($"using port {server.Port} instead of {busy}", log.ToString());
    }

    [Fact]
    public void The_hosts_file_gives_the_sandbox_address()
    {
        var hosts = Path.GetTempFileName();
        try
        {
            File.WriteAllText(hosts, "127.0.0.1 localhost\n# 10.0.0.1 sandbox.localdomain\n169.254.79.130\tsandbox.localdomain sandbox\n");
            Assert.Equal(IPAddress.Parse("169.254.79.130"), ListenerAddress.FromHostsFile(hosts, "sandbox.localdomain"));
            Assert.Null(ListenerAddress.FromHostsFile(hosts, "other"));
        }
        finally
        {
            File.Delete(hosts);
        }
    }
}
