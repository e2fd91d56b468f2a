using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pulse.Emulator.Http;
using Pulse.Emulator.Recording;
using Pulse.Emulator.Telemetry;

namespace Pulse.Emulator.Sandbox;

/// <summary>The Runtime API (2018-06-01), Extensions API (2020-01-01), Telemetry API (2022-07-01) and Logs API (2020-08-15).</summary>
public sealed partial class LambdaSandbox
{
    /// <summary>RIE's MaxPayloadSize: 6 MiB + 100 bytes.</summary>
    internal const int MaxPayloadBytes = 6 * 1024 * 1024 + 100;
    private const int MaxControlBodyBytes = 1024 * 1024;
    private static readonly Regex ErrorTypePattern = new(@"^(Runtime|Function)\.[A-Z][a-zA-Z]+$", RegexOptions.CultureInvariant);

    /// <summary>One API call being answered: what the record says about it.</summary>
    private sealed class ApiCall(HttpListenerContext context, string path)
    {
        public HttpListenerContext Context { get; } = context;
        public string Path { get; } = path;
        public double ReceivedAt { get; } = Monotonic.NowMs;
        public string Caller { get; set; } = "";
        public string? RequestId { get; set; }
    }

    internal async Task HandleApiAsync(HttpListenerContext context)
    {
        var raw = context.Request.RawUrl ?? "/";
        var q = raw.IndexOf('?');
        var call = new ApiCall(context, q >= 0 ? raw[..q] : raw);
        var method = context.Request.HttpMethod;
        var path = call.Path;
        const string invocation = "/2018-06-01/runtime/invocation/";
        if (path == "/2018-06-01/runtime/invocation/next") await (method == "GET" ? RuntimeNextAsync(call) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path.StartsWith(invocation, StringComparison.Ordinal) && path.EndsWith("/response", StringComparison.Ordinal))
            await (method == "POST" ? RuntimeResultAsync(call, path[invocation.Length..^"/response".Length], isError: false) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path.StartsWith(invocation, StringComparison.Ordinal) && path.EndsWith("/error", StringComparison.Ordinal))
            await (method == "POST" ? RuntimeResultAsync(call, path[invocation.Length..^"/error".Length], isError: true) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path == "/2018-06-01/runtime/init/error") await (method == "POST" ? RuntimeInitErrorAsync(call) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path == "/2018-06-01/ping") await ReplyAsync(call, 200, Encoding.UTF8.GetBytes("pong"), "text/plain").ConfigureAwait(false);
        else if (path == "/2020-01-01/extension/register") await (method == "POST" ? RegisterAsync(call) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path == "/2020-01-01/extension/event/next") await (method == "GET" ? ExtensionNextAsync(call) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path == "/2020-01-01/extension/init/error") await (method == "POST" ? ExtensionErrorAsync(call, init: true) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path == "/2020-01-01/extension/exit/error") await (method == "POST" ? ExtensionErrorAsync(call, init: false) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path is "/2022-07-01/telemetry" or "/2022-07-01/telemetry/") await (method == "PUT" ? SubscribeAsync(call, legacy: false) : MethodNotAllowed(call)).ConfigureAwait(false);
        else if (path is "/2020-08-15/logs" or "/2020-08-15/logs/") await (method == "PUT" ? SubscribeAsync(call, legacy: true) : MethodNotAllowed(call)).ConfigureAwait(false);
        else await ReplyErrorAsync(call, 404, "InvalidURLPath", $"Unknown path {path}").ConfigureAwait(false);
    }

    private Task MethodNotAllowed(ApiCall call) =>
        ReplyErrorAsync(call, 405, "MethodNotAllowed", $"{call.Context.Request.HttpMethod} is not allowed on {call.Path}");

    // ---------------------------------------------------------------- Runtime API

    private async Task RuntimeNextAsync(ApiCall call)
    {
        call.Caller = "runtime";
        Generation? gen;
        lock (_lock)
        {
            gen = _gen;
            if (gen is null || gen.ShuttingDown || gen.Runtime is null)
            {
                gen = null;
            }
            else if (gen.Initializing && !gen.RuntimeReady)
            {
                gen.RuntimeReady = true;
                gen.RegistrationOpen = false;
                Lifecycle("runtime-ready", new JsonObject { ["t"] = Monotonic.Round(call.ReceivedAt) });
                gen.RuntimeReadyGate.TrySetResult();
                CheckGatesLocked(gen);
            }
            else if (gen.Current is { Ended: false } inv && inv.RuntimeNextAt is null)
            {
                if (!inv.Responded)
                {
                    gen = null;
                    call.RequestId = inv.RequestId;
                }
                else
                {
                    inv.RuntimeNextAt = call.ReceivedAt;
                    PublishRuntimeDone(inv, inv.FunctionErrorType is null ? "success" : "error", inv.FunctionErrorType, call.ReceivedAt);
                    CheckInvocationDoneLocked(inv);
                }
            }
        }
        if (gen is null)
        {
            await ReplyErrorAsync(call, 403, "InvalidStateTransition",
                call.RequestId is null ? "State transition from Ready to Next is not allowed" : "State transition from Invoke to Next is not allowed: respond first").ConfigureAwait(false);
            return;
        }
        Invocation next;
        try { next = await gen.RuntimeMailbox.Reader.ReadAsync(gen.Lifetime.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            await ReplyErrorAsync(call, 500, "InternalServerError", "Internal Server Error").ConfigureAwait(false);
            return;
        }
        call.RequestId = next.RequestId;
        var headers = call.Context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = next.DeadlineEpochMs.ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = _functionArn;
        headers["Lambda-Runtime-Trace-Id"] = next.TraceId;
        if (next.Request.ClientContext is { Length: > 0 } clientContext) headers["Lambda-Runtime-Client-Context"] = clientContext;
        if (next.Request.CognitoIdentity is { Length: > 0 } cognito) headers["Lambda-Runtime-Cognito-Identity"] = cognito;
        await ReplyAsync(call, 200, next.Request.Payload).ConfigureAwait(false);
    }

    private async Task RuntimeResultAsync(ApiCall call, string requestId, bool isError)
    {
        call.Caller = "runtime";
        call.RequestId = requestId;
        var request = call.Context.Request;
        Invocation? inv;
        lock (_lock)
        {
            inv = _gen?.Current;
            if (inv is not null && (inv.Ended || inv.RequestId != requestId)) inv = inv.RequestId == requestId ? inv : null;
        }
        if (inv is null)
        {
            await ReplyErrorAsync(call, 400, "InvalidRequestID", "Invalid request ID").ConfigureAwait(false);
            return;
        }
        lock (_lock)
        {
            if (inv.Responded || inv.Ended) inv = null;
            else inv.ResponseStartAt = call.ReceivedAt;
        }
        if (inv is null)
        {
            await ReplyErrorAsync(call, 403, "InvalidStateTransition", "State transition from RuntimeResponseSent to InvocationResponse is not allowed").ConfigureAwait(false);
            return;
        }
        var mode = request.Headers["Lambda-Runtime-Function-Response-Mode"];
        if (!isError && mode is not null && !string.Equals(mode, "streaming", StringComparison.OrdinalIgnoreCase))
        {
            lock (_lock) inv.ResponseStartAt = null;
            await ReplyErrorAsync(call, 400, "InvalidFunctionResponseMode", $"Invalid function response mode: {mode}").ConfigureAwait(false);
            return;
        }
        var streaming = !isError && mode is not null;
        byte[]? body;
        try { body = await HttpResponses.ReadBodyAsync(request, streaming ? 200L * 1024 * 1024 : MaxPayloadBytes).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or HttpListenerException)
        {
            lock (_lock) inv.ResponseStartAt = null;
            await ReplyErrorAsync(call, 400, "TruncatedHTTPRequest", "The request body was truncated").ConfigureAwait(false);
            return;
        }
        var end = Monotonic.NowMs;
        if (body is null)
        {
            lock (_lock)
            {
                inv.Responded = true;
                inv.ResponseEndAt = end;
                inv.FunctionErrorType = "Function.ResponseSizeTooLarge";
            }
            inv.ClientResponse.TrySetResult(new InvokeResponse(
                ErrorDocument("Function.ResponseSizeTooLarge", $"Response payload size exceeded maximum allowed payload size ({MaxPayloadBytes} bytes)."),
                "Unhandled", inv.RequestId, "error", "Function.ResponseSizeTooLarge"));
            await ReplyErrorAsync(call, 413, "RequestEntityTooLarge", $"Exceeded maximum allowed payload size ({MaxPayloadBytes} bytes).").ConfigureAwait(false);
            return;
        }
        string? errorType = null;
        if (isError)
        {
            errorType = NormalizeErrorType(request.Headers["Lambda-Runtime-Function-Error-Type"]);
            if (body.Length == 0) body = ErrorDocument(errorType, "");
        }
        lock (_lock)
        {
            inv.Responded = true;
            inv.ResponseEndAt = end;
            inv.ProducedBytes = body.Length;
            inv.FunctionErrorType = errorType;
        }
        inv.ClientResponse.TrySetResult(new InvokeResponse(body, isError ? "Unhandled" : null, inv.RequestId, isError ? "error" : "success", errorType));
        Lifecycle(isError ? "runtime-error" : "runtime-response", new JsonObject { ["requestId"] = inv.RequestId, ["t"] = Monotonic.Round(call.ReceivedAt), ["bytes"] = body.Length });
        await ReplyAsync(call, 202, HttpResponses.StatusOk).ConfigureAwait(false);
    }

    /// <summary>RAPID keeps (Runtime|Function).Reason, maps other Function.* to Function.Unknown and everything else to Runtime.Unknown.</summary>
    internal static string NormalizeErrorType(string? raw)
    {
        if (raw is null) return "Runtime.Unknown";
        if (ErrorTypePattern.IsMatch(raw)) return raw;
        return raw.StartsWith("Function.", StringComparison.Ordinal) ? "Function.Unknown" : "Runtime.Unknown";
    }

    private async Task RuntimeInitErrorAsync(ApiCall call)
    {
        call.Caller = "runtime";
        var errorType = NormalizeErrorType(call.Context.Request.Headers["Lambda-Runtime-Function-Error-Type"]);
        var body = await HttpResponses.ReadBodyAsync(call.Context.Request, MaxControlBodyBytes).ConfigureAwait(false);
        Generation? gen;
        lock (_lock) gen = _gen is { Initializing: true, RuntimeReady: false } g ? g : null;
        if (gen is null)
        {
            await ReplyErrorAsync(call, 403, "InvalidStateTransition", "State transition from Ready to InitError is not allowed").ConfigureAwait(false);
            return;
        }
        var message = body is { Length: > 0 } ? ErrorMessageOf(body) : "";
        gen.InitFault.TrySetResult(SandboxFault.Failure(errorType, message.Length > 0 ? message : "Runtime reported an init error"));
        await ReplyAsync(call, 202, HttpResponses.StatusOk).ConfigureAwait(false);
    }

    private static string ErrorMessageOf(byte[] body)
    {
        try { return JsonNode.Parse(body)?["errorMessage"]?.GetValue<string>() ?? ""; }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return ""; }
    }

    // ---------------------------------------------------------------- Extensions API

    private async Task RegisterAsync(ApiCall call)
    {
        var request = call.Context.Request;
        var name = request.Headers["Lambda-Extension-Name"];
        call.Caller = name ?? "";
        var features = (request.Headers["Lambda-Extension-Accept-Feature"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var body = await HttpResponses.ReadBodyAsync(request, MaxControlBodyBytes).ConfigureAwait(false);
        if (string.IsNullOrEmpty(name)) { await ReplyErrorAsync(call, 403, "Extension.InvalidExtensionName", "Empty extension name").ConfigureAwait(false); return; }
        if (body is null) { await ReplyErrorAsync(call, 403, "InvalidRequestFormat", "Request body too large").ConfigureAwait(false); return; }
        var events = new List<string>();
        try
        {
            if (body.Length > 0)
            {
                var json = JsonNode.Parse(body) as JsonObject ?? throw new FormatException("body is not a JSON object");
                if (json.ContainsKey("configurationKeys")) { await ReplyErrorAsync(call, 403, "InvalidRequestFormat", "configurationKeys are deprecated").ConfigureAwait(false); return; }
                if (json["events"] is JsonArray array)
                {
                    foreach (var item in array) events.Add(item?.GetValue<string>() ?? throw new FormatException("null event"));
                }
                else if (json["events"] is not null) throw new FormatException("events must be an array");
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            await ReplyErrorAsync(call, 403, "InvalidRequestFormat", $"Invalid request body: {e.Message}").ConfigureAwait(false);
            return;
        }
        if (events.FirstOrDefault(e => e is not ("INVOKE" or "SHUTDOWN")) is { } bad)
        {
            await ReplyErrorAsync(call, 403, "Extension.InvalidEventType", $"Invalid event type: {bad}").ConfigureAwait(false);
            return;
        }
        ExtensionAgent agent;
        string? error = null, errorType = null;
        lock (_lock)
        {
            var gen = _gen;
            agent = null!;
            if (gen is not null && gen.Agents.Any(a => a.Name == name)) { errorType = "Extension.InvalidExtensionState"; error = $"Extension {name} is already registered"; }
            else if (gen is null || !gen.RegistrationOpen || !gen.Initializing) { errorType = "Extension.RegistrationClosed"; error = "Extension registration closed already"; }
            else if (gen.Agents.Count >= 10) { errorType = "Extension.TooManyExtensions"; error = "Extension limit (10) reached"; }
            else
            {
                var external = gen.LaunchedExtensions.ContainsKey(name);
                if (!external && events.Contains("SHUTDOWN")) { errorType = "Extension.InvalidEventType"; error = "Internal extensions cannot register for the SHUTDOWN event"; }
                else
                {
                    agent = new ExtensionAgent(name, Guid.NewGuid(), external, events.Distinct().ToList());
                    if (external) agent.Process = gen.LaunchedExtensions[name];
                    gen.Agents.Add(agent);
                    CheckGatesLocked(gen);
                }
            }
        }
        if (errorType is not null) { await ReplyErrorAsync(call, 403, errorType, error!).ConfigureAwait(false); return; }
        Lifecycle("extension-registered", new JsonObject
        {
            ["name"] = name, ["id"] = agent.Id.ToString(), ["external"] = agent.External,
            ["events"] = new JsonArray(agent.Events.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
            ["t"] = Monotonic.Round(call.ReceivedAt),
        });
        var response = new JsonObject { ["functionName"] = _options.FunctionName, ["functionVersion"] = _options.FunctionVersion, ["handler"] = _options.Handler };
        if (features.Contains("accountId")) response["accountId"] = _options.AccountId;
        call.Context.Response.Headers["Lambda-Extension-Identifier"] = agent.Id.ToString();
        await ReplyAsync(call, 200, Encoding.UTF8.GetBytes(response.ToJsonString())).ConfigureAwait(false);
    }

    /// <summary>Validates Lambda-Extension-Identifier; on failure the reply is already sent and null returned.</summary>
    private async Task<(Generation Gen, ExtensionAgent Agent)?> IdentifyAsync(ApiCall call)
    {
        var header = call.Context.Request.Headers["Lambda-Extension-Identifier"];
        if (string.IsNullOrEmpty(header)) { await ReplyErrorAsync(call, 403, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header").ConfigureAwait(false); return null; }
        if (!Guid.TryParse(header, out var id)) { await ReplyErrorAsync(call, 403, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier").ConfigureAwait(false); return null; }
        lock (_lock)
        {
            if (_gen is { } gen && gen.Agents.FirstOrDefault(a => a.Id == id) is { } agent)
            {
                call.Caller = agent.Name;
                return (gen, agent);
            }
        }
        await ReplyErrorAsync(call, 403, "Extension.UnknownExtensionIdentifier", "Unknown extension " + header).ConfigureAwait(false);
        return null;
    }

    private async Task ExtensionNextAsync(ApiCall call)
    {
        if (await IdentifyAsync(call).ConfigureAwait(false) is not var (gen, agent)) return;
        bool allowed;
        lock (_lock)
        {
            allowed = !agent.Errored;
            if (allowed && gen.Initializing && !agent.Ready)
            {
                agent.Ready = true;
                agent.State = "Ready";
                Lifecycle("extension-ready", new JsonObject { ["name"] = agent.Name, ["t"] = Monotonic.Round(call.ReceivedAt) });
                CheckGatesLocked(gen);
            }
            else if (allowed && gen.Current is { Ended: false } inv && inv.ExtensionNext.TryGetValue(agent, out var at) && at is null)
            {
                inv.ExtensionNext[agent] = call.ReceivedAt;
                CheckInvocationDoneLocked(inv);
            }
        }
        if (!allowed) { await ReplyErrorAsync(call, 403, "Extension.InvalidExtensionState", "The extension is in an error state").ConfigureAwait(false); return; }
        JsonObject next;
        try { next = await agent.Mailbox.Reader.ReadAsync(gen.Lifetime.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            await ReplyErrorAsync(call, 500, "InternalServerError", "Internal Server Error").ConfigureAwait(false);
            return;
        }
        call.RequestId = next["requestId"]?.GetValue<string>();
        call.Context.Response.Headers["Lambda-Extension-Event-Identifier"] = Guid.NewGuid().ToString();
        await ReplyAsync(call, 200, Encoding.UTF8.GetBytes(next.ToJsonString())).ConfigureAwait(false);
    }

    private void CheckInvocationDoneLocked(Invocation inv)
    {
        if (inv.RuntimeNextAt is not null && inv.ExtensionNext.Values.All(v => v is not null)) inv.Finished.TrySetResult();
    }

    private async Task ExtensionErrorAsync(ApiCall call, bool init)
    {
        if (await IdentifyAsync(call).ConfigureAwait(false) is not var (gen, agent)) return;
        var type = call.Context.Request.Headers["Lambda-Extension-Function-Error-Type"];
        await HttpResponses.ReadBodyAsync(call.Context.Request, MaxControlBodyBytes).ConfigureAwait(false);
        if (string.IsNullOrEmpty(type)) { await ReplyErrorAsync(call, 403, "Extension.MissingHeader", "Missing Lambda-Extension-Function-Error-Type header").ConfigureAwait(false); return; }
        bool accepted;
        lock (_lock)
        {
            accepted = !agent.Errored && (!init || gen.Initializing);
            if (accepted)
            {
                agent.Errored = true;
                agent.State = init ? "InitError" : "ExitError";
                var fault = SandboxFault.Failure(init ? "Extension.InitError" : "Extension.ExitError", $"Extension {agent.Name} reported {type}");
                if (gen.Initializing) gen.InitFault.TrySetResult(fault);
                else if (gen.Current is { Ended: false } inv) inv.Faulted.TrySetResult(fault);
                else gen.Broken = true;
            }
        }
        if (!accepted) { await ReplyErrorAsync(call, 403, "Extension.InvalidExtensionState", "Invalid state for this error").ConfigureAwait(false); return; }
        await ReplyAsync(call, 202, HttpResponses.StatusOk).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- Telemetry and Logs APIs

    private async Task SubscribeAsync(ApiCall call, bool legacy)
    {
        if (await IdentifyAsync(call).ConfigureAwait(false) is not var (gen, agent)) return;
        var body = await HttpResponses.ReadBodyAsync(call.Context.Request, MaxControlBodyBytes).ConfigureAwait(false);
        SubscriptionRequest? request = null;
        var validation = body is null ? "request body too large" : SubscriptionParser.Parse(body, legacy, out request);
        if (validation is not null || request is null)
        {
            await ReplyErrorAsync(call, 400, legacy ? "Logs.ValidationError" : "ValidationError", validation ?? "invalid subscription").ConfigureAwait(false);
            return;
        }
        string? conflict = null;
        lock (_lock)
        {
            if (!gen.SubscriptionsOpen) conflict = "closed";
            else if (legacy ? agent.SubscribedTelemetry : agent.SubscribedLogs) conflict = "exclusive";
            else if (legacy) agent.SubscribedLogs = true;
            else agent.SubscribedTelemetry = true;
        }
        if (conflict == "closed")
        {
            await ReplyErrorAsync(call, 403, legacy ? "Logs.SubscriptionClosed" : "Telemetry.SubscriptionClosed",
                legacy ? "Logs API subscription is closed" : "Telemetry API subscription is closed").ConfigureAwait(false);
            return;
        }
        if (conflict == "exclusive")
        {
            await ReplyErrorAsync(call, 400, legacy ? "Logs.ValidationError" : "ValidationError",
                "The Telemetry API and the Logs API are mutually exclusive for an extension").ConfigureAwait(false);
            return;
        }
        _dispatcher.Add(new TelemetrySubscriber(agent.Name, request, _gate, _telemetryHttp, _recorder, _log, _options.TelemetryQueueBytes));
        var types = new JsonArray(request.Types.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        if (legacy) Publish("platform.logsSubscription", null, new JsonObject { ["name"] = agent.Name, ["state"] = "Subscribed", ["types"] = types.DeepClone() });
        else Publish("platform.telemetrySubscription", new JsonObject { ["name"] = agent.Name, ["state"] = "Subscribed", ["types"] = types });
        await ReplyAsync(call, 200, Encoding.UTF8.GetBytes("\"OK\"")).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- replies

    private Task ReplyErrorAsync(ApiCall call, int status, string errorType, string message) =>
        ReplyAsync(call, status, ErrorDocument(errorType, message), errorType: errorType);

    private async Task ReplyAsync(ApiCall call, int status, byte[] body, string contentType = "application/json", string? errorType = null)
    {
        await HttpResponses.WriteAsync(call.Context, status, body, contentType).ConfigureAwait(false);
        if (errorType is not null && status != 500) _log($"{call.Context.Request.HttpMethod} {call.Path} from '{call.Caller}': {status} {errorType}");
        _recorder.Write("api", new JsonObject
        {
            ["t"] = Monotonic.Round(call.ReceivedAt),
            ["method"] = call.Context.Request.HttpMethod,
            ["path"] = call.Path,
            ["status"] = status,
            ["caller"] = call.Caller,
            ["requestId"] = call.RequestId,
            ["errorType"] = errorType,
            ["respondedT"] = Monotonic.Round(Monotonic.NowMs),
        });
    }
}
