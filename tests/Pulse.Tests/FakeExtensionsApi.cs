using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Tests;

/// <summary>
/// A scripted stand-in for the Lambda Extensions and Telemetry APIs on a free port: records what the
/// extension sends (register headers and body, the subscription, /next calls) and answers each /next from
/// a script that may first post telemetry batches to the extension's listener, as the platform does.
/// </summary>
internal sealed class FakeExtensionsApi : IAsyncDisposable
{
    public const string Identifier = "8f4a3c2e-1b2d-4e5f-9a8b-7c6d5e4f3a2b";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _telemetryClient = new() { Timeout = TimeSpan.FromSeconds(30) };

    public FakeExtensionsApi(Func<int, FakeExtensionsApi, Task<string>> onNext, int subscribeStatus = 200)
    {
        OnNext = onNext;
        SubscribeStatus = subscribeStatus;
        Port = TestEnvironment.FreeTcpPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string RuntimeApi => $"127.0.0.1:{Port}";
    public Func<int, FakeExtensionsApi, Task<string>> OnNext { get; }
    public int SubscribeStatus { get; }
    public Dictionary<string, string> RegisterHeaders { get; } = new(StringComparer.OrdinalIgnoreCase);
    public string? RegisterBody { get; private set; }
    public string? SubscribeBody { get; private set; }
    public string? SubscribeIdentifier { get; private set; }
    public List<string?> NextIdentifiers { get; } = [];
    public List<DateTime> NextCalls { get; } = [];
    public int TelemetryPort { get; private set; }

    public static string Invoke(string requestId, int timeoutMs = 30_000) =>
        "{\"eventType\":\"INVOKE\",\"deadlineMs\":" + DateTimeOffset.UtcNow.AddMilliseconds(timeoutMs).ToUnixTimeMilliseconds() +
        ",\"requestId\":\"" + requestId + "\",\"invokedFunctionArn\":\"arn:aws:lambda:us-east-1:123456789012:function:fn\"," +
        "\"tracing\":{\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Sampled=1\"}}";

    public static string Shutdown(string reason = "spindown") =>
        "{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"" + reason + "\",\"deadlineMs\":" + DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds() + "}";

    /// <summary>POSTs a batch to the extension's telemetry listener the way the platform does (Host: sandbox.localdomain).</summary>
    public async Task PostTelemetryAsync(params string[] events)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{TelemetryPort}/")
        {
            Content = new StringContent(TelemetryJson.Batch(events), Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = $"sandbox.localdomain:{TelemetryPort}";
        using var response = await _telemetryClient.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"listener answered {response.StatusCode}");
    }

    private async Task LoopAsync()
    {
        var nextCount = 0;
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            var path = context.Request.Url!.AbsolutePath;
            var body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
            if (path == "/2020-01-01/extension/register" && context.Request.HttpMethod == "POST")
            {
                foreach (var key in context.Request.Headers.AllKeys) RegisterHeaders[key!] = context.Request.Headers[key]!;
                RegisterBody = body;
                context.Response.Headers["Lambda-Extension-Identifier"] = Identifier;
                await RespondAsync(context, 200, "{\"functionName\":\"fn\",\"functionVersion\":\"$LATEST\",\"handler\":\"h\",\"accountId\":\"123456789012\"}");
            }
            else if (path == "/2022-07-01/telemetry" && context.Request.HttpMethod == "PUT")
            {
                SubscribeBody = body;
                SubscribeIdentifier = context.Request.Headers["Lambda-Extension-Identifier"];
                using var doc = JsonDocument.Parse(body);
                TelemetryPort = new Uri(doc.RootElement.GetProperty("destination").GetProperty("URI").GetString()!).Port;
                await RespondAsync(context, SubscribeStatus, SubscribeStatus == 200 ? "\"OK\""
                    : "{\"errorMessage\":\"Telemetry API is not supported\",\"errorType\":\"Telemetry.NotSupported\"}");
            }
            else if (path == "/2020-01-01/extension/event/next" && context.Request.HttpMethod == "GET")
            {
                lock (NextCalls)
                {
                    NextIdentifiers.Add(context.Request.Headers["Lambda-Extension-Identifier"]);
                    NextCalls.Add(DateTime.UtcNow);
                }
                var index = ++nextCount;
                _ = Task.Run(async () => await RespondAsync(context, 200, await OnNext(index, this)));
            }
            else
            {
                await RespondAsync(context, 404, "{}");
            }
        }
    }

    private static async Task RespondAsync(HttpListenerContext context, int status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _telemetryClient.Dispose();
    }
}
