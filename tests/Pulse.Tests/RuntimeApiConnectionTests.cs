using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Lifecycle;

namespace Pulse.Tests;

/// <summary>
/// The Runtime API client against a raw TCP peer that answers with scripted bytes: every framing HTTP/1.1
/// allows, answers that arrive a byte at a time, a kept-alive connection the server dropped, and answers
/// that are not HTTP at all.
/// </summary>
public sealed class RuntimeApiConnectionTests
{
    private static readonly KeyValuePair<string, string>[] NoHeaders = [];

    /// <summary>Every read bounded (10 s): a peer that never answers fails the test instead of hanging the suite.</summary>
    private static RuntimeApiConnection Connect(RawPeer peer) => new(peer.Authority, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Content_length_answers_are_read_and_the_connection_is_kept_for_the_next_request()
    {
        await using var peer = new RawPeer(
            "HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: abc\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok");
        using var connection = Connect(peer);

        var first = connection.Send("POST", "/2020-01-01/extension/register", [new("Lambda-Extension-Name", "pulse")], "{}"u8);
        connection.Write("GET", "/2020-01-01/extension/event/next", NoHeaders, default);
        var second = connection.Read(CancellationToken.None);

        Assert.Equal(200, first.Status);
        Assert.Equal("abc", first.Header("lambda-extension-identifier"));
        Assert.Equal("hello", Encoding.ASCII.GetString(first.Body));
        Assert.Equal(202, second.Status);
        Assert.Equal("ok", Encoding.ASCII.GetString(second.Body));
        Assert.Equal(1, peer.Connections);
        var requests = peer.Requests;
        Assert.StartsWith("POST /2020-01-01/extension/register HTTP/1.1\r\nHost: " + peer.Authority + "\r\nLambda-Extension-Name: pulse\r\nContent-Length: 2\r\n\r\n{}", requests[0]);
        Assert.StartsWith("GET /2020-01-01/extension/event/next HTTP/1.1\r\n", requests[1]);
        Assert.DoesNotContain("Content-Length", requests[1]);
    }

    [Fact]
    public async Task Chunked_answers_with_extensions_and_trailers_are_reassembled()
    {
        await using var peer = new RawPeer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"ev\r\nB\r\nentType\":1}\r\n0\r\nX-Trailer: t\r\n\r\n");
        using var connection = Connect(peer);

        var answer = connection.Send("GET", "/x", NoHeaders, default);

        Assert.Equal("{\"eventType\":1}", Encoding.ASCII.GetString(answer.Body));
    }

    [Fact]
    public async Task An_answer_without_length_ends_at_connection_close_and_the_next_request_reconnects()
    {
        await using var peer = new RawPeer("HTTP/1.1 200 OK\r\n\r\nall of it", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!") { CloseAfterEachAnswer = true };
        using var connection = Connect(peer);

        var first = connection.Send("GET", "/a", NoHeaders, default);
        var second = connection.Send("GET", "/b", NoHeaders, default);

        Assert.Equal("all of it", Encoding.ASCII.GetString(first.Body));
        Assert.Equal("!", Encoding.ASCII.GetString(second.Body));
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task A_request_written_now_is_answered_by_a_later_read_even_if_the_answer_came_in_between()
    {
        await using var peer = new RawPeer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");
        using var connection = Connect(peer);

        connection.Write("GET", "/next", NoHeaders, default);
        await Task.Delay(100);
        var answer = connection.Read(CancellationToken.None);

        Assert.Equal("next", Encoding.ASCII.GetString(answer.Body));
        Assert.Throws<InvalidOperationException>(() => connection.Read(CancellationToken.None));
    }

    [Fact]
    public async Task An_answer_trickling_in_a_byte_at_a_time_is_read_whole()
    {
        await using var peer = new RawPeer("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world") { ByteAtATime = true };
        using var connection = Connect(peer);

        var answer = connection.Send("GET", "/slow", NoHeaders, default);

        Assert.Equal("hello world", Encoding.ASCII.GetString(answer.Body));
    }

    [Fact]
    public async Task A_kept_alive_connection_the_server_dropped_is_replaced_and_the_request_sent_once_more()
    {
        await using var peer = new RawPeer("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", RawPeer.Drop, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        using var connection = Connect(peer);

        connection.Send("GET", "/one", NoHeaders, default);
        var second = connection.Send("GET", "/two", NoHeaders, default);

        Assert.Equal("2", Encoding.ASCII.GetString(second.Body));
        Assert.Equal(2, peer.Connections);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "status line")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "status line")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", "limit")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "hexadecimal")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "closed after 5 of 10")]
    public async Task Answers_that_are_not_HTTP_fail_with_a_protocol_error_that_says_why(string answer, string why)
    {
        await using var peer = new RawPeer(answer) { CloseAfterEachAnswer = true };
        using var connection = Connect(peer);

        var error = Assert.Throws<RuntimeApiProtocolException>(() => connection.Send("GET", "/", NoHeaders, default));

        Assert.Contains(why, error.Message);
    }

    [Fact]
    public async Task Headers_longer_than_the_limit_are_refused_instead_of_buffered_forever()
    {
        var endless = "HTTP/1.1 200 OK\r\nX-Filler: " + new string('a', RuntimeApiConnection.MaxHeaderBytes + 10);
        await using var peer = new RawPeer(endless);
        using var connection = Connect(peer);

        var error = Assert.Throws<RuntimeApiProtocolException>(() => connection.Send("GET", "/", NoHeaders, default));

        Assert.Contains("headers longer", error.Message);
    }

    [Fact]
    public async Task A_pending_long_poll_blocked_in_read_ends_when_cancelled_and_the_next_request_uses_a_new_connection()
    {
        await using var peer = new RawPeer(RawPeer.Hold, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nn");
        using var connection = Connect(peer);
        using var cancel = new CancellationTokenSource();

        connection.Write("GET", "/next", NoHeaders, default);
        var poll = Task.Run(() => connection.Read(cancel.Token));
        await Task.Delay(50);
        Assert.False(poll.IsCompleted);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
        var after = connection.Send("GET", "/next", NoHeaders, default);
        Assert.Equal("n", Encoding.ASCII.GetString(after.Body));
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public void A_refused_connection_is_a_socket_error_not_a_hang()
    {
        using var connection = new RuntimeApiConnection($"127.0.0.1:{Pulse.Testing.TestEnvironment.FreeTcpPort()}");

        var error = Assert.Throws<SocketException>(() => connection.Send("GET", "/", NoHeaders, default));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":9001")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:port")]
    public void An_address_that_is_not_host_and_port_is_refused_up_front(string address)
    {
        Assert.Throws<ArgumentException>(() => new RuntimeApiConnection(address));
    }

    [Fact]
    public void Header_values_with_line_breaks_are_refused_rather_than_injected()
    {
        using var connection = new RuntimeApiConnection("127.0.0.1:9");

        Assert.Throws<ArgumentException>(() => connection.Send("GET", "/", [new("X-Name", "a\r\nInjected: 1")], default));
    }

    /// <summary>
    /// A TCP server on loopback answering each request it reads with the next scripted answer, on whatever
    /// connection the client uses. <see cref="Drop"/> closes the connection instead of answering (the request
    /// is not consumed from the script); <see cref="Hold"/> never answers that request.
    /// </summary>
    private sealed class RawPeer : IAsyncDisposable
    {
        public const string Drop = "\0drop";
        public const string Hold = "\0hold";

        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Queue<string> _answers;
        private readonly List<string> _requests = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _connections;

        public RawPeer(params string[] answers)
        {
            _answers = new Queue<string>(answers);
            _listener.Start();
            Authority = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _loop = Task.Run(AcceptAsync);
        }

        public string Authority { get; }
        public bool CloseAfterEachAnswer { get; init; }
        public bool ByteAtATime { get; init; }
        public int Connections => Volatile.Read(ref _connections);
        public List<string> Requests { get { lock (_requests) return [.. _requests]; } }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using var owned = client;
            var stream = client.GetStream();
            var buffer = new byte[65536];
            var pending = "";
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    // One request: headers, then the body its Content-Length announces.
                    while (!HasWholeRequest(pending, out _))
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0) return;
                        pending += Encoding.ASCII.GetString(buffer, 0, read);
                    }
                    HasWholeRequest(pending, out var length);
                    lock (_requests) _requests.Add(pending[..length]);
                    pending = pending[length..];

                    string answer;
                    lock (_answers) answer = _answers.Count > 0 ? _answers.Peek() : "HTTP/1.1 500 Script Ended\r\nContent-Length: 0\r\n\r\n";
                    if (answer == Drop)
                    {
                        lock (_answers) _answers.Dequeue();
                        return; // close without answering
                    }
                    if (answer == Hold)
                    {
                        lock (_answers) _answers.Dequeue();
                        await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { });
                        return;
                    }
                    lock (_answers) _answers.Dequeue();
                    var bytes = Encoding.ASCII.GetBytes(answer);
                    if (ByteAtATime)
                    {
                        foreach (var b in bytes)
                        {
                            await stream.WriteAsync(new[] { b }, _stop.Token);
                            await stream.FlushAsync(_stop.Token);
                        }
                    }
                    else await stream.WriteAsync(bytes, _stop.Token);
                    if (CloseAfterEachAnswer) return;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        private static bool HasWholeRequest(string pending, out int length)
        {
            length = 0;
            var end = pending.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) return false;
            var contentLength = 0;
            foreach (var line in pending[..end].Split("\r\n"))
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) contentLength = int.Parse(line[15..].Trim());
            length = end + 4 + contentLength;
            return pending.Length >= length;
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }
    }
}
