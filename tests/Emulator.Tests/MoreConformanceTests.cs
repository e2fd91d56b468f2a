using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;
using Pulse.Testing;

namespace Pulse.Emulator.Tests;

/// <summary>TCP telemetry, the init limit, extension exit/error, and hostile input.</summary>
public sealed class MoreConformanceTests
{
    [Fact(Timeout = 60_000)]
    public async Task TCP_subscribers_receive_newline_delimited_JSON()
    {
        var port = TestEnvironment.FreeTcpPort();
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var lines = new List<string>();
        using var stop = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                using var reader = new StreamReader(client.GetStream());
                while (await reader.ReadLineAsync(stop.Token) is { } line) lock (lines) lines.Add(line);
            }
        });
        await using var run = new SandboxRun();
        run.Options.NoFreeze = true;
        run.AddExtension("tcp", Scripts.Extension("tcp", subscribe: $$$"""{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"timeoutMs":25},"destination":{"protocol":"TCP","port":{{{port}}}}}"""));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        var deadline = Environment.TickCount64 + 20_000;
        while (Environment.TickCount64 < deadline)
        {
            lock (lines) if (lines.Any(l => l.Contains("platform.runtimeDone") && l.Contains(requestId))) break;
            await Task.Delay(20);
        }
        stop.Cancel();
        List<string> copy;
        lock (lines) copy = lines.ToList();
        Assert.Contains(copy, l => l.Contains("platform.runtimeDone") && l.Contains(requestId));
        Assert.All(copy, l => Assert.NotNull(JsonNode.Parse(l)!["type"]));
        Assert.Equal("platform.initStart", (string?)JsonNode.Parse(copy[0])!["type"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Init_over_the_limit_reports_timeout_and_the_invoke_fails()
    {
        await using var run = new SandboxRun("sleep 30");
        run.Options.InitTimeoutMs = 800;
        run.Options.TimeoutSeconds = 1;
        await run.StartAsync();
        var report = run.Events("platform.initReport").Single()["record"]!;
        Assert.Equal("timeout", (string?)report["status"]);
        Assert.InRange((double)report["metrics"]!["durationMs"]!, 790, 5_000);
        Assert.Contains(run.Records("lifecycle"), r => (string?)r["step"] == "init-timeout" && (string?)r["waitingFor"] == "the runtime's first /next");
        var (response, body) = await run.InvokeAsync("{}");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("Sandbox.Timedout", (string?)JsonNode.Parse(body)!["errorType"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Extension_exit_error_during_invoke_is_Extension_ExitError_and_resets()
    {
        await using var run = new SandboxRun();
        run.AddExtension("quitter", Scripts.Extension("quitter", onInvoke: """
            sleep 0.3
            echo "exit-error $(curl -sS -X POST "$EXT/exit/error" -H "Lambda-Extension-Identifier: $EXT_ID" -H 'Lambda-Extension-Function-Error-Type: Extension.Broken' -d '{}')"
            sleep 30
            """));
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("{}");
        Assert.Equal("{}", body);
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.Equal("Extension.ExitError", (string?)report["record"]!["errorType"]);
        await run.WaitForRecordAsync("api", a => (string?)a["path"] == "/2020-01-01/extension/exit/error" && (int)a["status"]! == 202 && (string?)a["caller"] == "quitter");
        await run.WaitForRecordAsync("lifecycle", r => (string?)r["step"] == "reset" && (string?)r["reason"] == "failure");
    }

    [Fact(Timeout = 60_000)]
    public async Task Hostile_requests_get_error_answers_and_the_sandbox_keeps_working()
    {
        await using var run = new SandboxRun();
        run.AddExtension("ext", Scripts.Extension("ext"));
        await run.StartAsync();
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{run.Options.RuntimeApiPort}"), Timeout = TimeSpan.FromSeconds(10) };
        async Task<int> Send(HttpMethod method, string path, string? body = null, (string, string)? header = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new StringContent(body);
            if (header is { } h) request.Headers.TryAddWithoutValidation(h.Item1, h.Item2);
            using var response = await api.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 400 && (int)response.StatusCode != 411) Assert.NotNull(JsonNode.Parse(text)!["errorType"]);
            return (int)response.StatusCode;
        }
        Assert.Equal(400, await Send(HttpMethod.Post, "/2018-06-01/runtime/invocation/%00%ff/response", "x"));
        Assert.Equal(403, await Send(HttpMethod.Post, "/2020-01-01/extension/register", new string('{', 10_000), ("Lambda-Extension-Name", "x")));
        Assert.Equal(403, await Send(HttpMethod.Put, "/2022-07-01/telemetry", "{}", ("Lambda-Extension-Identifier", "garbage")));
        Assert.Equal(404, await Send(HttpMethod.Get, "/../../etc/passwd"));
        Assert.Equal(404, await Send(HttpMethod.Get, "/2018-06-01/runtime/invocation/next/extra"));
        Assert.Equal(403, await Send(HttpMethod.Post, "/2018-06-01/runtime/init/error", "{}"));
        var invoke = await run.Client.PostAsync("/2015-03-31/functions/function/invocations", new StringContent("{}") { Headers = { { "X-Amz-Client-Context", "%%%not-base64" } } });
        Assert.Equal(400, (int)invoke.StatusCode);
        Assert.Equal(404, (int)(await run.Client.GetAsync("/nothing")).StatusCode);
        var (_, body) = await run.InvokeAsync("{\"still\":\"ok\"}");
        Assert.Equal("{\"still\":\"ok\"}", body);
    }
}
