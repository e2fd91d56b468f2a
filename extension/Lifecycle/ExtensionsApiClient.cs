using System.Text;
using System.Text.Json;
using Pulse.Telemetry;

namespace Pulse.Lifecycle;

/// <summary>
/// The Extensions API (2020-01-01) and the Telemetry API subscription (2022-07-01) over one kept-alive
/// connection (<see cref="RuntimeApiConnection"/>), all blocking: register and subscribe are the start-up
/// critical path and run before anything else has started; /next is a long poll without any time limit
/// (spec §1.1), written as early as possible and read by the event loop's thread.
/// </summary>
public sealed class ExtensionsApiClient : IDisposable
{
    private const string RegisterPath = "/2020-01-01/extension/register";
    private const string NextPath = "/2020-01-01/extension/event/next";
    private const string TelemetryPath = "/2022-07-01/telemetry";
    private static readonly byte[] RegisterBody = "{\"events\":[\"INVOKE\",\"SHUTDOWN\"]}"u8.ToArray();

    private readonly RuntimeApiConnection _connection;
    private KeyValuePair<string, string>[] _identified = [];
    private string? _extensionId;

    public ExtensionsApiClient(string runtimeApi)
    {
        _connection = new RuntimeApiConnection(runtimeApi);
    }

    public string? ExtensionId => _extensionId;

    /// <summary>POST /register for INVOKE and SHUTDOWN, asking for the account id.</summary>
    public RegistrationResult Register(string extensionName)
    {
        BeginRegister(extensionName);
        return EndRegister();
    }

    /// <summary>Writes POST /register; <see cref="EndRegister"/> reads the answer (other start-up work fits in between).</summary>
    public void BeginRegister(string extensionName) =>
        _connection.Write("POST", RegisterPath,
        [
            new("Lambda-Extension-Name", extensionName),
            new("Lambda-Extension-Accept-Feature", "accountId"),
            new("Content-Type", "application/json"),
        ], RegisterBody);

    /// <summary>Reads the answer of <see cref="BeginRegister"/>: the identifier and the function facts.</summary>
    public RegistrationResult EndRegister()
    {
        var response = _connection.Read(CancellationToken.None);
        var body = response.Body;
        if (response.Status != 200)
            throw new ExtensionsApiException($"register answered {response.Status}: {Snippet(body)}", response.Status);
        if (response.Header("Lambda-Extension-Identifier") is not { Length: > 0 } id)
            throw new ExtensionsApiException("register answered 200 without a Lambda-Extension-Identifier header", 200);
        _extensionId = id;
        _identified = [new("Lambda-Extension-Identifier", id)];
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
    public (int Status, string Body) SubscribeTelemetry(int port)
    {
        RequireRegistered();
        var response = _connection.Send("PUT", TelemetryPath, [_identified[0], new("Content-Type", "application/json")], TelemetrySubscriptionBody(port));
        return (response.Status, Snippet(response.Body));
    }

    /// <summary>The subscription: platform and function records, the smallest buffering (25 ms), our listener as destination.</summary>
    public static byte[] TelemetrySubscriptionBody(int port) => Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\",\"function\"]," +
        "\"buffering\":{\"maxItems\":1000,\"maxBytes\":262144,\"timeoutMs\":25}," +
        $"\"destination\":{{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:{port}/\"}}}}");

    /// <summary>Writes GET /event/next; <see cref="ReceiveNext"/> reads its answer.</summary>
    public void RequestNext()
    {
        RequireRegistered();
        _connection.Write("GET", NextPath, _identified, default);
    }

    /// <summary>Blocks until the /next written last answers with the next event, without any time limit.</summary>
    public ExtensionEvent ReceiveNext(CancellationToken cancellationToken = default)
    {
        var response = _connection.Read(cancellationToken);
        if (response.Status != 200)
            throw new ExtensionsApiException($"next answered {response.Status}: {Snippet(response.Body)}", response.Status);
        return ParseEvent(response.Body);
    }

    /// <summary>GET /event/next and its answer.</summary>
    public ExtensionEvent Next(CancellationToken cancellationToken = default)
    {
        RequestNext();
        return ReceiveNext(cancellationToken);
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

    private void RequireRegistered()
    {
        if (_extensionId is null) throw new InvalidOperationException("not registered");
    }

    private static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return text.ReplaceLineEndings(" ");
    }

    public void Dispose() => _connection.Dispose();
}
