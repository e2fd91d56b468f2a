using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Pulse.TestFunction;

/// <summary>
/// The runtime side of the Lambda Runtime API (2018-06-01): next, response, error, init/error.
/// Small on purpose: the tests need a runtime whose every request is predictable.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue ErrorJsonType = new("application/vnd.aws.lambda.error+json");

    private readonly HttpClient _http;
    private readonly string _base;

    public RuntimeApiClient(string runtimeApi)
    {
        _base = $"http://{runtimeApi}/2018-06-01";
        // /next is a long poll that may last as long as the sandbox is idle: never time it out.
        // UseProxy=false: an HTTP_PROXY in the environment must not capture 127.0.0.1 traffic.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Invocation> NextAsync()
    {
        using var response = await _http.GetAsync($"{_base}/runtime/invocation/next", HttpCompletionOption.ResponseContentRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new RuntimeApiException($"GET /runtime/invocation/next answered {(int)response.StatusCode}: {await ReadShortAsync(response)}");
        }
        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new RuntimeApiException("GET /runtime/invocation/next answered without Lambda-Runtime-Aws-Request-Id");
        long? deadline = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), out var d) ? d : null;
        var payload = await response.Content.ReadAsByteArrayAsync();
        return new Invocation(requestId, deadline, Header(response, "Lambda-Runtime-Invoked-Function-Arn"), payload);
    }

    public Task PostResponseAsync(string requestId, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonType;
        return PostAsync($"/runtime/invocation/{Uri.EscapeDataString(requestId)}/response", content, errorType: null);
    }

    public Task PostErrorAsync(string requestId, string errorType, RuntimeErrorBody error) =>
        PostAsync($"/runtime/invocation/{Uri.EscapeDataString(requestId)}/error", ErrorContent(error), errorType);

    public Task PostInitErrorAsync(string errorType, RuntimeErrorBody error) =>
        PostAsync("/runtime/init/error", ErrorContent(error), errorType);

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent ErrorContent(RuntimeErrorBody error)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, ScriptJsonContext.Default.RuntimeErrorBody));
        content.Headers.ContentType = ErrorJsonType;
        return content;
    }

    /// <summary>Posts and reports a refusal (e.g. 413 for an oversized response) as one stderr line: the loop goes on.</summary>
    private async Task PostAsync(string path, HttpContent content, string? errorType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _base + path) { Content = content };
        if (errorType is not null) request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        using var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted && !response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"[test-function] POST {path} answered {(int)response.StatusCode}: {await ReadShortAsync(response)}");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<string> ReadShortAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length > 300 ? text[..300] + "..." : text;
    }
}
