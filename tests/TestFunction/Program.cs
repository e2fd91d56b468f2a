using Pulse.TestFunction;

// A custom Lambda runtime (bootstrap) whose events script each invocation; see README.md.
var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
if (string.IsNullOrWhiteSpace(runtimeApi))
{
    Console.Error.WriteLine("[test-function] AWS_LAMBDA_RUNTIME_API is not set: run me inside a Lambda sandbox or the emulator");
    return 2;
}

var init = InitBehaviour.From(args, Environment.GetEnvironmentVariable);
foreach (var problem in init.Problems) Console.Error.WriteLine($"[test-function] {problem}");
using var api = new RuntimeApiClient(runtimeApi);

if (init.SleepMs > 0) await Task.Delay(init.SleepMs);
if (init.FailMessage is { } failure)
{
    Console.Error.WriteLine($"[test-function] init failed: {failure}");
    await api.PostInitErrorAsync("Runtime.ScriptedInitError", new RuntimeErrorBody(failure, "Runtime.ScriptedInitError", []));
    return 1;
}

var runner = new ScriptRunner(StatsdSender.PortFromEnvironment(), TimeProvider.System);
while (true)
{
    Invocation invocation;
    try
    {
        invocation = await api.NextAsync();
    }
    catch (Exception e) when (e is RuntimeApiException or HttpRequestException)
    {
        Console.Error.WriteLine($"[test-function] cannot get the next invocation, exiting: {e.Message}");
        return 1;
    }

    try
    {
        InvocationOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(invocation);
        }
        catch (Exception e)
        {
            // An unhandled handler exception, reported the way runtimes do: Runtime.Unknown, the exception type in the body.
            Console.Error.WriteLine($"[test-function] {invocation.RequestId}: unhandled {e.GetType().Name}: {e.Message}");
            var stack = (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            outcome = InvocationOutcome.Failure("Runtime.Unknown", new RuntimeErrorBody(e.Message, e.GetType().Name, stack));
        }

        if (outcome.Response is { } body) await api.PostResponseAsync(invocation.RequestId, body);
        else await api.PostErrorAsync(invocation.RequestId, outcome.ErrorType!, outcome.Error!);
    }
    catch (HttpRequestException e)
    {
        // The API went away mid-invoke (reset, shutdown): say so and ask for the next event, which decides.
        Console.Error.WriteLine($"[test-function] {invocation.RequestId}: could not post the result: {e.Message}");
    }
}
