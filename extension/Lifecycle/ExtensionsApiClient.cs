using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Telemetry;

namespace Pulse.Lifecycle;

/// <summary>
/// The Extensions API (2020-01-01) and the Telemetry API subscription (2022-07-01), over one HttpClient
/// with a SocketsHttpHandler and no timeout: /next is a long poll that must never time out (spec §1.1).
/// </summary>
public sealed class ExtensionsApiClient : IDisposable
{
    private static readonly byte[] RegisterBody = "{\"events\":[\"INVOKE\",\"SHUTDOWN\"]}"u8.ToArray();
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _register, _next, _telemetry;
    private string? _extensionId;

    public ExtensionsApiClient(string runtimeApi, HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var root = $"http://{runtimeApi}";
        _register = new Uri(root + "/2020-01-01/extension/register");
        _next = new Uri(root + "/2020-01-01/extension/event/next");
        _telemetry = new Uri(root + "/2022-07-01/telemetry");
    }

    public string? ExtensionId => _extensionId;

    /// <summary>POST /register for INVOKE and SHUTDOWN, asking for the account id.</summary>
    public async Task<RegistrationResult> RegisterAsync(string extensionName, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _register);
        request.Headers.TryAddWithoutValidation("Lambda-Extension-Name", extensionName);
        request.Headers.TryAddWithoutValidation("Lambda-Extension-Accept-Feature", "accountId");
        request.Content = new ByteArrayContent(RegisterBody);
        request.Content.Headers.ContentType = JsonContentType;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new ExtensionsApiException($"register answered {(int)response.StatusCode}: {Snippet(body)}", (int)response.StatusCode);
        if (!response.Headers.TryGetValues("Lambda-Extension-Identifier", out var ids) || ids.FirstOrDefault() is not { Length: > 0 } id)
            throw new ExtensionsApiException("register answered 200 without a Lambda-Extension-Identifier header", 200);
        _extensionId = id;
        string? functionName = null, functionVersion = null, accountId = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("functionName"u8)) functionName = JsonValues.String(ref reader);
                    else if (reader.ValueTextEquals("functionVersion"u8)) functionVersion = JsonValues.String(ref reader);
                    else if (reader.ValueTextEquals("accountId"u8)) accountId = JsonValues.String(ref reader);
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The body only carries facts we can do without.
        }
        return new RegistrationResult(id, functionName, functionVersion, accountId);
    }

    /// <summary>PUT /telemetry. Returns the status code and body; 200 means telemetry will arrive, anything else means it will not.</summary>
    public async Task<(int Status, string Body)> SubscribeTelemetryAsync(int port, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, _telemetry);
        AddIdentifier(request);
        request.Content = new ByteArrayContent(TelemetrySubscriptionBody(port));
        request.Content.Headers.ContentType = JsonContentType;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, Snippet(body));
    }

    /// <summary>The subscription: platform and function records, the smallest buffering (25 ms), our listener as destination.</summary>
    public static byte[] TelemetrySubscriptionBody(int port) => Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\",\"function\"]," +
        "\"buffering\":{\"maxItems\":1000,\"maxBytes\":262144,\"timeoutMs\":25}," +
        $"\"destination\":{{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:{port}/\"}}}}");

    /// <summary>GET /event/next: blocks until the next event, without any timeout.</summary>
    public async Task<ExtensionEvent> NextAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _next);
        AddIdentifier(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new ExtensionsApiException($"next answered {(int)response.StatusCode}: {Snippet(body)}", (int)response.StatusCode);
        return ParseEvent(body);
    }

    /// <summary>Parses a /next body (INVOKE or SHUTDOWN) with Utf8JsonReader; anything else is an <see cref="ExtensionsApiException"/>.</summary>
    public static ExtensionEvent ParseEvent(ReadOnlySpan<byte> body)
    {
        string? eventType = null, requestId = null, arn = null, traceId = null, reason = null;
        double? deadline = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ExtensionsApiException("next answered a body that is not a JSON object", 200);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("eventType"u8)) eventType = JsonValues.String(ref reader);
                else if (reader.ValueTextEquals("requestId"u8)) requestId = JsonValues.String(ref reader);
                else if (reader.ValueTextEquals("deadlineMs"u8)) deadline = JsonValues.Number(ref reader);
                else if (reader.ValueTextEquals("invokedFunctionArn"u8)) arn = JsonValues.String(ref reader);
                else if (reader.ValueTextEquals("shutdownReason"u8)) reason = JsonValues.String(ref reader);
                else if (reader.ValueTextEquals("tracing"u8)) traceId = ReadTraceValue(ref reader);
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            throw new ExtensionsApiException($"next answered a body that is not an event: {e.Message}", 200);
        }
        var deadlineMs = deadline is { } d ? (long)d : 0;
        if (eventType is null) throw new ExtensionsApiException("next answered an event without eventType", 200);
        if (string.Equals(eventType, "INVOKE", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrEmpty(requestId)) throw new ExtensionsApiException("next answered an INVOKE without requestId", 200);
            return new InvokeEvent(requestId, deadlineMs, arn, traceId);
        }
        if (string.Equals(eventType, "SHUTDOWN", StringComparison.OrdinalIgnoreCase))
            return new ShutdownEvent((reason ?? "unknown").ToLowerInvariant(), deadlineMs);
        throw new ExtensionsApiException($"next answered an unknown event type '{eventType}'", 200);
    }

    private static string? ReadTraceValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        string? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("value"u8)) value = JsonValues.String(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return value;
    }

    private void AddIdentifier(HttpRequestMessage request)
    {
        if (_extensionId is null) throw new InvalidOperationException("not registered");
        request.Headers.TryAddWithoutValidation("Lambda-Extension-Identifier", _extensionId);
    }

    private static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return text.ReplaceLineEndings(" ");
    }

    public void Dispose() => _http.Dispose();
}
