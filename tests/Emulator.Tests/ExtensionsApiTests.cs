using System.Text.Json.Nodes;
using Pulse.Emulator.Tests.Support;

namespace Pulse.Emulator.Tests;

/// <summary>Spec §3: register, /next, INVOKE and SHUTDOWN payloads, errors, environment.</summary>
public sealed class ExtensionsApiTests
{
    [Fact(Timeout = 60_000)]
    public async Task Register_answers_identifier_and_function_settings_with_accountId_and_rejects_bad_requests()
    {
        await using var run = new SandboxRun();
        run.Options.FunctionName = "fn-x";
        run.Options.Handler = "app.handler";
        run.AddExtension("ext", """
            code() { curl -sS -o /dev/null -w '%{http_code}' -X POST "$EXT/register" "$@"; }
            echo "empty-name $(code -d '{"events":[]}')"
            echo "bad-event $(curl -sS -X POST "$EXT/register" -H 'Lambda-Extension-Name: other' -d '{"events":["FOO"]}')"
            echo "config-keys $(curl -sS -X POST "$EXT/register" -H 'Lambda-Extension-Name: other' -d '{"events":[],"configurationKeys":["a"]}')"
            echo "bad-json $(code -H 'Lambda-Extension-Name: other' -d '{not json')"
            echo "internal-shutdown $(curl -sS -X POST "$EXT/register" -H 'Lambda-Extension-Name: internal-x' -d '{"events":["SHUTDOWN"]}')"
            register ext '{"events":["INVOKE","SHUTDOWN"]}'
            echo "duplicate $(curl -sS -X POST "$EXT/register" -H 'Lambda-Extension-Name: ext' -d '{"events":[]}')"
            echo "missing-id $(curl -sS -o /dev/null -w '%{http_code}' "$EXT/event/next")"
            echo "bad-id $(curl -sS "$EXT/event/next" -H 'Lambda-Extension-Identifier: nope')"
            echo "unknown-id $(curl -sS "$EXT/event/next" -H 'Lambda-Extension-Identifier: 6f1b2c3d-0000-4000-8000-000000000000')"
            echo "env handler=${_HANDLER:-unset} group=${AWS_LAMBDA_LOG_GROUP_NAME:-unset} api=$AWS_LAMBDA_RUNTIME_API fn=$AWS_LAMBDA_FUNCTION_NAME"
            while true; do
              next_event
              echo "ext got $EVENT"
              case "$EVENT" in
                *INVOKE*) echo "late-register $(curl -sS -X POST "$EXT/register" -H 'Lambda-Extension-Name: late' -d '{"events":[]}')";;
                *SHUTDOWN*) exit 0;;
              esac
            done
            """);
        await run.StartAsync();
        await run.InvokeAsync("{}");
        await run.WaitForOutputAsync(l => l.StartsWith("late-register"));
        var output = run.Output.Lines;
        Assert.Contains("register ext 200 {\"functionName\":\"fn-x\",\"functionVersion\":\"$LATEST\",\"handler\":\"app.handler\",\"accountId\":\"123456789012\"}", output);
        Assert.Contains("empty-name 403", output);
        Assert.Contains(output, l => l.StartsWith("bad-event ") && l.Contains("\"errorType\":\"Extension.InvalidEventType\""));
        Assert.Contains(output, l => l.StartsWith("config-keys ") && l.Contains("configurationKeys are deprecated") && l.Contains("InvalidRequestFormat"));
        Assert.Contains("bad-json 403", output);
        Assert.Contains(output, l => l.StartsWith("internal-shutdown ") && l.Contains("Extension.InvalidEventType"));
        Assert.Contains(output, l => l.StartsWith("duplicate ") && l.Contains("Extension.InvalidExtensionState"));
        Assert.Contains("missing-id 403", output);
        Assert.Contains(output, l => l.StartsWith("bad-id ") && l.Contains("Extension.InvalidExtensionIdentifier"));
        Assert.Contains(output, l => l.StartsWith("unknown-id ") && l.Contains("Extension.UnknownExtensionIdentifier"));
        Assert.Contains(output, l => l.StartsWith("late-register ") && l.Contains("Extension.RegistrationClosed"));
        Assert.Contains($"env handler=unset group=unset api=127.0.0.1:{run.Options.RuntimeApiPort} fn=fn-x", output);
    }

    [Fact(Timeout = 60_000)]
    public async Task INVOKE_event_has_the_exact_payload_and_an_event_identifier_header()
    {
        await using var run = new SandboxRun();
        run.AddExtension("ext", Scripts.Extension("ext"));
        await run.StartAsync();
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        await run.WaitForOutputAsync(l => l.StartsWith("ext got") && l.Contains(requestId));
        var line = run.Output.Lines.First(l => l.StartsWith("ext got") && l.Contains(requestId));
        var invoke = JsonNode.Parse(line["ext got ".Length..])!.AsObject();
        Assert.Equal(new[] { "eventType", "deadlineMs", "requestId", "invokedFunctionArn", "tracing" }, invoke.Select(p => p.Key));
        Assert.Equal("INVOKE", (string?)invoke["eventType"]);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:test_function", (string?)invoke["invokedFunctionArn"]);
        Assert.Equal("X-Amzn-Trace-Id", (string?)invoke["tracing"]!["type"]);
        Assert.InRange((long)invoke["deadlineMs"]! - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1_000, 10_000);
        var next = await run.WaitForRecordAsync("api", a => (string?)a["path"] == "/2020-01-01/extension/event/next" && (string?)a["requestId"] == requestId);
        Assert.Equal(200, (int)next["status"]!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Extension_without_exec_bit_is_a_LaunchError_and_fails_init()
    {
        await using var run = new SandboxRun();
        run.AddExtension("noexec", Scripts.Extension("noexec"), executable: false);
        await run.StartAsync();
        var extension = run.Events("platform.extension").Single()["record"]!;
        Assert.Equal("noexec", (string?)extension["name"]);
        Assert.Equal("LaunchError", (string?)extension["state"]);
        Assert.Equal("PermissionDenied", (string?)extension["errorType"]);
        Assert.Equal("Extension.LaunchError", (string?)run.Events("platform.initReport").Single()["record"]!["errorType"]);
        var (response, body) = await run.InvokeAsync("{}");
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("Extension.LaunchError", (string?)JsonNode.Parse(body)!["errorType"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Runtime_starts_only_after_every_extension_registered_and_init_ends_after_every_first_next()
    {
        await using var run = new SandboxRun();
        run.AddExtension("late", "sleep 0.5\n" + Scripts.Extension("late"));
        await run.StartAsync();
        var records = run.Host.Recorder.Snapshot();
        double T(Func<JsonObject, bool> match) => (double)records.First(match)["t"]!;
        var registered = T(r => (string?)r["step"] == "extension-registered");
        var runtimeStart = T(r => (string?)r["step"] == "process-start" && (string?)r["role"] == "runtime");
        var ready = T(r => (string?)r["step"] == "extension-ready");
        var initEnd = T(r => (string?)r["step"] == "init-end");
        Assert.True(runtimeStart >= registered, "the runtime started before the extension registered");
        Assert.True(initEnd >= ready);
    }

    [Fact(Timeout = 60_000)]
    public async Task Too_many_extensions_is_refused_at_the_eleventh_registration()
    {
        await using var run = new SandboxRun();
        for (var i = 0; i < 11; i++)
        {
            var name = $"ext{i:00}";
            run.AddExtension(name, $$"""
                register {{name}} '{"events":["SHUTDOWN"]}'
                [ -z "$EXT_ID" ] && exit 1
                while true; do next_event; case "$EVENT" in *SHUTDOWN*) exit 0;; "") sleep 0.05;; esac; done
                """);
        }
        await run.StartAsync();
        Assert.Contains(run.Output.Lines, l => l.Contains(" 403 ") && l.Contains("Extension.TooManyExtensions") && l.Contains("Extension limit (10) reached"));
        Assert.Equal(10, run.Output.Lines.Count(l => l.StartsWith("register ext") && l.Contains(" 200 ")));
        Assert.NotEqual("success", (string?)run.Events("platform.initReport").Single()["record"]!["status"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Internal_extension_registered_by_the_runtime_gets_INVOKE_and_gates_the_invoke()
    {
        await using var run = new SandboxRun("""
            register in-proc '{"events":["INVOKE"]}'
            ( while true; do next_event; echo "in-proc got $EVENT"; case "$EVENT" in *INVOKE*) sleep 0.3;; esac; done ) &
            """ + "\n" + Scripts.Runtime);
        await run.StartAsync();
        Assert.Contains(run.Output.Lines, l => l.StartsWith("register in-proc 200 "));
        var extension = run.Events("platform.extension").Single()["record"]!;
        Assert.Equal("in-proc", (string?)extension["name"]);
        Assert.Equal("[\"INVOKE\"]", extension["events"]!.ToJsonString());
        var (response, _) = await run.InvokeAsync("{}");
        var requestId = SandboxRun.RequestIdOf(response);
        var invoke = await run.WaitForRecordAsync("invoke", r => (string?)r["requestId"] == requestId);
        Assert.True((double)invoke["extensionNextT"]!["in-proc"]! - (double)invoke["startT"]! >= 290);
        Assert.Contains(run.Records("lifecycle"), r => (string?)r["step"] == "extension-registered" && (string?)r["name"] == "in-proc" && !(bool)r["external"]!);
        await run.Host.Sandbox.ShutdownAsync();
        // Internal extensions only: the runtime gets SIGTERM with the 500 ms budget.
        Assert.Equal(500, (int)run.Records("lifecycle").Single(r => (string?)r["step"] == "shutdown-start")["budgetMs"]!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Extension_that_exits_before_registering_fails_init_with_Extension_Crash()
    {
        await using var run = new SandboxRun();
        run.AddExtension("quits", "exit 4");
        await run.StartAsync();
        var report = run.Events("platform.initReport").Single()["record"]!;
        Assert.Equal("error", (string?)report["status"]);
        Assert.Equal("Extension.Crash", (string?)report["errorType"]);
        Assert.Contains(run.Records("lifecycle"), r => (string?)r["step"] == "process-exit" && (string?)r["name"] == "quits" && (string?)r["description"] == "exit status 4");
    }

    [Fact(Timeout = 60_000)]
    public async Task Extension_init_error_fails_init_with_Extension_InitError()
    {
        await using var run = new SandboxRun();
        run.AddExtension("bad", """
            register bad '{"events":["INVOKE"]}'
            echo "missing-header $(curl -sS -o /dev/null -w '%{http_code}' -X POST "$EXT/init/error" -H "Lambda-Extension-Identifier: $EXT_ID" -d '{}')"
            echo "init-error $(curl -sS -X POST "$EXT/init/error" -H "Lambda-Extension-Identifier: $EXT_ID" -H 'Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid' -d '{}')"
            sleep 30
            """);
        await run.StartAsync();
        // The reset may kill the extension before it prints: the record has the answers.
        var calls = run.Records("api").Where(a => (string?)a["path"] == "/2020-01-01/extension/init/error").ToList();
        Assert.Equal(new[] { 403, 202 }, calls.OrderBy(a => (double)a["t"]!).Select(a => (int)a["status"]!));
        Assert.Equal("Extension.MissingHeader", (string?)calls.OrderBy(a => (double)a["t"]!).First()["errorType"]);
        var report = run.Events("platform.initReport").Single()["record"]!;
        Assert.Equal("Extension.InitError", (string?)report["errorType"]);
        Assert.Equal("error", (string?)report["status"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Sandbox_processes_resolve_sandbox_localdomain_and_see_the_opt_folder_at_slash_opt()
    {
        await using var run = new SandboxRun();
        File.WriteAllText(Path.Combine(run.Opt, "marker"), "layer-content\n");
        run.AddExtension("dns", """
            echo "hosts $(getent hosts sandbox.localdomain | awk '{print $1}') $(getent hosts sandbox | awk '{print $1}')"
            echo "opt $(cat /opt/marker 2>&1)"
            """ + "\n" + Scripts.Extension("dns"));
        await run.StartAsync();
        await run.WaitForOutputAsync(l => l.StartsWith("opt "));
        var diagnostics = string.Join('\n', run.Diagnostics.Lines);
        if (diagnostics.Contains("no private mount namespace")) Assert.Skip("mount namespaces are not permitted here: " + diagnostics);
        Assert.Contains("hosts 127.0.0.1 127.0.0.1", run.Output.Lines);
        Assert.Contains("opt layer-content", run.Output.Lines);
    }

    [Fact(Timeout = 60_000)]
    public async Task Every_sandbox_process_shares_one_private_mount_namespace_and_starts_in_the_task_root()
    {
        await using var run = new SandboxRun();
        foreach (var name in new[] { "one", "two" })
            run.AddExtension(name, $"echo \"ns {name} $(readlink /proc/self/ns/mnt) $(pwd)\"\n" + Scripts.Extension(name));
        await run.StartAsync();
        await run.WaitForOutputAsync(l => l.StartsWith("ns one "));
        await run.WaitForOutputAsync(l => l.StartsWith("ns two "));
        var diagnostics = string.Join('\n', run.Diagnostics.Lines);
        if (diagnostics.Contains("no private mount namespace")) Assert.Skip("mount namespaces are not permitted here: " + diagnostics);
        Assert.DoesNotContain("no shared mount namespace", diagnostics);
        var seen = run.Output.Lines.Where(l => l.StartsWith("ns ")).Select(l => l.Split(' ')).ToList();
        var emulatorNamespace = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0][2], seen[1][2]);
        Assert.NotEqual(emulatorNamespace, seen[0][2]);
        // Entering the namespace resets the working directory; the launcher sets it back to the task root
        // (the bootstrap's folder).
        Assert.All(seen, fields => Assert.Equal(Path.GetDirectoryName(run.Bootstrap), fields[3]));
    }
}
