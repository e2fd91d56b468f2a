using System.Text.Json.Nodes;
using Pulse.Emulator.Sandbox;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>Spec §2: the Runtime API and the RIE invoke endpoint.</summary>
public sealed class RuntimeApiTests
{
    [Fact(Timeout = 60_000)]
    public async Task Invoke_returns_the_function_response_and_next_carries_the_invoke_headers()
    {
        await using var run = new SandboxRun();
        run.Options.FunctionName = "echo-fn";
        await run.StartAsync();

        var (response, body) = await run.InvokeAsync("{\"hello\":\"world\"}");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"hello\":\"world\"}", body);
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));

        // RIE clients often say "localhost".
        using var localhost = new HttpClient();
        var viaLocalhost = await localhost.PostAsync($"http://localhost:{run.Options.ListenPort}/2015-03-31/functions/function/invocations", new StringContent("{\"via\":1}"));
        Assert.Equal("{\"via\":1}", await viaLocalhost.Content.ReadAsStringAsync());

        var clientContext = "{\"custom\":{\"k\":\"v\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/2015-03-31/functions/function/invocations") { Content = new StringContent("\"headers\"") };
        request.Headers.Add("X-Amz-Client-Context", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(clientContext)));
        request.Headers.Add("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        var second = await run.Client.SendAsync(request);
        var headers = await second.Content.ReadAsStringAsync();
        var requestId = SandboxRun.RequestIdOf(second);
        var lines = headers.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        string Header(string name) => lines.Single(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..].Trim();
        Assert.Equal(requestId, Header("Lambda-Runtime-Aws-Request-Id"));
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:echo-fn", Header("Lambda-Runtime-Invoked-Function-Arn"));
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", Header("Lambda-Runtime-Trace-Id"));
        Assert.Equal(clientContext, Header("Lambda-Runtime-Client-Context"));
        Assert.DoesNotContain(lines, l => l.StartsWith("Lambda-Runtime-Cognito-Identity", StringComparison.OrdinalIgnoreCase));
        var start = await run.WaitForEventAsync("platform.start", requestId);
        Assert.Equal("53995c3f42cd8ad8", (string?)start["record"]!["tracing"]!["spanId"]);
        var deadline = long.Parse(Header("Lambda-Runtime-Deadline-Ms"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(deadline - now, 1_000, 10_000);
    }

    [Fact(Timeout = 60_000)]
    public async Task Function_error_returns_the_error_document_with_X_Amz_Function_Error_and_status_error()
    {
        await using var run = new SandboxRun();
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("\"error\"");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("{\"errorMessage\":\"boom\",\"errorType\":\"MyError\"}", body);
        var requestId = SandboxRun.RequestIdOf(response);
        var report = await run.WaitForEventAsync("platform.report", requestId);
        Assert.Equal("error", (string?)report["record"]!["status"]);
        Assert.Equal("Function.MyError", (string?)report["record"]!["errorType"]);
        var done = run.Events("platform.runtimeDone").Single(e => (string?)e["record"]!["requestId"] == requestId);
        Assert.Equal("error", (string?)done["record"]!["status"]);
        Assert.Equal("Function.MyError", (string?)done["record"]!["errorType"]);
    }

    [Theory]
    [InlineData("Function.MyError", "Function.MyError")]
    [InlineData("Runtime.NoSuchHandler", "Runtime.NoSuchHandler")]
    [InlineData("Function.bad", "Function.Unknown")]
    [InlineData("MyCustomError", "Runtime.Unknown")]
    [InlineData(null, "Runtime.Unknown")]
    public void Error_types_are_normalized_as_RAPID_does(string? raw, string expected) =>
        Assert.Equal(expected, LambdaSandbox.NormalizeErrorType(raw));

    [Fact(Timeout = 60_000)]
    public async Task Wrong_request_id_second_response_and_bad_paths_get_the_documented_errors()
    {
        const string runtime = """
            H=$(mktemp); B=$(mktemp)
            while true; do
              curl -sS -D "$H" -o "$B" "$RT/runtime/invocation/next" || exit 1
              ID=$(hdr lambda-runtime-aws-request-id "$H")
              echo "wrong-id $(curl -sS -w ' %{http_code}' -X POST "$RT/runtime/invocation/not-the-id/response" -d x)"
              echo "next-before-response $(curl -sS -w ' %{http_code}' "$RT/runtime/invocation/next")"
              echo "first $(curl -sS -w ' %{http_code}' -X POST "$RT/runtime/invocation/$ID/response" -d ok)"
              echo "second $(curl -sS -w ' %{http_code}' -X POST "$RT/runtime/invocation/$ID/response" -d again)"
              echo "bad-mode $(curl -sS -o /dev/null -w '%{http_code}' -X POST "$RT/runtime/invocation/$ID/response" -H 'Lambda-Runtime-Function-Response-Mode: weird' -d x)"
              echo "unknown-path $(curl -sS -o /dev/null -w '%{http_code}' "$RT/runtime/nothing")"
              echo "wrong-method $(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$RT/runtime/invocation/next")"
              echo "init-error-late $(curl -sS -o /dev/null -w '%{http_code}' -X POST "$RT/runtime/init/error" -d '{}')"
            done
            """;
        await using var run = new SandboxRun(runtime);
        await run.StartAsync();
        var (_, body) = await run.InvokeAsync("{}");
        Assert.Equal("ok", body);
        await run.WaitForOutputAsync(l => l.StartsWith("init-error-late"));
        var output = run.Output.Lines;
        Assert.Contains("wrong-id {\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"} 400", output);
        Assert.Contains(output, l => l.StartsWith("next-before-response ") && l.Contains("InvalidStateTransition") && l.EndsWith(" 403"));
        Assert.Contains("first {\"status\":\"OK\"} 202", output);
        Assert.Contains(output, l => l.StartsWith("second ") && l.Contains("InvalidStateTransition") && l.EndsWith(" 403"));
        Assert.Contains("unknown-path 404", output);
        Assert.Contains("wrong-method 405", output);
        Assert.Contains("init-error-late 403", output);
        // Every call is in the record with its status.
        await run.WaitForRecordAsync("api", a => (string?)a["path"] == "/2018-06-01/runtime/invocation/not-the-id/response" && (int)a["status"]! == 400);
    }

    [Fact(Timeout = 60_000)]
    public async Task Bad_response_mode_is_rejected_with_400()
    {
        await using var run = new SandboxRun("""
            H=$(mktemp)
            curl -sS -D "$H" -o /dev/null "$RT/runtime/invocation/next"
            ID=$(hdr lambda-runtime-aws-request-id "$H")
            echo "mode $(curl -sS -w ' %{http_code}' -X POST "$RT/runtime/invocation/$ID/response" -H 'Lambda-Runtime-Function-Response-Mode: weird' -d x)"
            curl -sS -o /dev/null -X POST "$RT/runtime/invocation/$ID/response" -d fine
            curl -sS -o /dev/null "$RT/runtime/invocation/next"
            """);
        await run.StartAsync();
        var (_, body) = await run.InvokeAsync("{}");
        Assert.Equal("fine", body);
        Assert.Contains(run.Output.Lines, l => l.StartsWith("mode ") && l.Contains("InvalidFunctionResponseMode") && l.EndsWith(" 400"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Response_over_6_MB_gets_413_and_the_invoke_fails_with_Function_ResponseSizeTooLarge()
    {
        await using var run = new SandboxRun();
        await run.StartAsync();
        var (response, body) = await run.InvokeAsync("\"big\"");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var doc = JsonNode.Parse(body)!;
        Assert.Equal("Function.ResponseSizeTooLarge", (string?)doc["errorType"]);
        await run.WaitForRecordAsync("api", a => ((string?)a["path"])!.EndsWith("/response") && (int)a["status"]! == 413);
        var report = await run.WaitForEventAsync("platform.report", SandboxRun.RequestIdOf(response));
        Assert.Equal("Function.ResponseSizeTooLarge", (string?)report["record"]!["errorType"]);
        // The sandbox is still healthy.
        var (_, again) = await run.InvokeAsync("{\"x\":2}");
        Assert.Equal("{\"x\":2}", again);
    }

    [Fact(Timeout = 60_000)]
    public async Task Invoke_payload_over_6_MB_is_refused_with_413()
    {
        await using var run = new SandboxRun();
        await run.StartAsync();
        var response = await run.Client.PostAsync("/2015-03-31/functions/function/invocations", new ByteArrayContent(new byte[6 * 1024 * 1024 + 10]));
        Assert.Equal(413, (int)response.StatusCode);
        Assert.Contains("RequestTooLargeException", await response.Content.ReadAsStringAsync());
        var (_, body) = await run.InvokeAsync("{}");
        Assert.Equal("{}", body);
    }

    [Fact(Timeout = 60_000)]
    public async Task Runtime_init_error_fails_init_and_the_invoke_reports_it()
    {
        await using var run = new SandboxRun("""
            curl -sS -o /dev/null -X POST "$RT/runtime/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.ConfigInvalid' -d '{"errorMessage":"bad config","errorType":"ConfigInvalid"}'
            sleep 30
            """);
        await run.StartAsync();
        var initReport = run.Events("platform.initReport").Single();
        Assert.Equal("error", (string?)initReport["record"]!["status"]);
        Assert.Equal("Runtime.ConfigInvalid", (string?)initReport["record"]!["errorType"]);
        Assert.Equal("init", (string?)initReport["record"]!["phase"]);
        var (response, body) = await run.InvokeAsync("{}");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("Runtime.ConfigInvalid", (string?)JsonNode.Parse(body)!["errorType"]);
        // The invoke re-ran init inside the invoke (suppressed init).
        Assert.Equal("invoke", (string?)run.Events("platform.initStart").Last()["record"]!["phase"]);
    }
}
