using System.Net;
using System.Text.Json;

namespace Pulse.Docker.Tests;

/// <summary>
/// The x86_64 Pulse layer in a Lambda-shaped container. Each test starts its own container (a fresh
/// sandbox), drives invocations through the invoke endpoint, then stops the container so every
/// invocation's metrics have been flushed (a report arrives only after the next thaw or at SHUTDOWN),
/// and asserts on the invoke responses and on the EMF lines Pulse printed.
/// </summary>
public sealed class LambdaContainerTests(DockerFixture fixture)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Cold_then_warm_invocations_each_get_their_enhanced_metrics()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions());
        var responses = new List<InvokeResult>();
        for (var i = 0; i < 3; i++) responses.Add(await lambda.InvokeAsync($$"""{"log":["docker test invocation {{i}}"]}"""));

        foreach (var r in responses) Assert.True(r.Status == HttpStatusCode.OK && IsFunctionSuccess(r), $"invoke answered {r}");
        Assert.Equal([true, false, false], responses.Select(r => r.Json!.Value.GetProperty("coldStart").GetBoolean()));
        var requestIds = responses.Select(r => r.Property("requestId")!).ToList();
        Assert.Equal(requestIds, responses.Select(r => r.RequestId));
        Assert.Equal(3, requestIds.Distinct().Count());

        await lambda.DockerStopAsync(StopGrace);
        var (stdout, stderr) = await lambda.LogsAsync();
        var emf = EmfOutput.Parse(stdout + "\n" + stderr);
        Assert.Empty(emf.Invalid);
        Assert.Contains("docker test invocation 2", stdout + stderr);

        foreach (var id in requestIds)
        {
            var records = emf.ForRequest(id);
            Assert.True(records.Sum(r => r.Sum("invocations")) == 1, $"invocations of {id}: {emf}");
            Assert.True(records.Any(r => r.Sum("duration") > 0), $"no duration for {id}: {emf}");
            Assert.True(records.Any(r => r.Has("billed_duration")), $"no billed_duration for {id}: {emf}");
            Assert.All(records.Where(r => r.Has("invocations")), r =>
            {
                Assert.Equal("pulse-docker-test", r.Properties.GetValueOrDefault("function_name"));
                Assert.Equal("128", r.Properties.GetValueOrDefault("memory_size"));
            });
        }
        Assert.Equal("true", ColdStartTag(emf, requestIds[0]));
        Assert.Equal("false", ColdStartTag(emf, requestIds[1]));
        Assert.Equal("false", ColdStartTag(emf, requestIds[2]));
        Assert.True(emf.With("init_duration").Sum(r => r.Metrics["init_duration"].Count) == 1, $"init_duration once per sandbox: {emf}");
        Assert.True(emf.Sum("errors") == 0, $"no errors expected: {emf}");
    }

    [Fact]
    public async Task A_function_error_is_counted_as_an_error()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions());
        var failed = await lambda.InvokeAsync("""{"error":"card declined","errorType":"Function.PaymentError"}""");
        var succeeded = await lambda.InvokeAsync("{}");

        Assert.Contains("card declined", failed.Body);
        Assert.False(IsFunctionSuccess(failed), $"the error invocation answered {failed}");
        Assert.NotNull(failed.FunctionError);
        Assert.True(IsFunctionSuccess(succeeded), $"the next invocation answered {succeeded}");

        await lambda.DockerStopAsync(StopGrace);
        var emf = await lambda.EmfAsync();
        Assert.True(emf.Sum("invocations") == 2, $"two invocations: {emf}");
        Assert.True(SumFor(emf, failed, "errors") == 1, $"the failed invocation has one error: {emf}");
        Assert.True(SumFor(emf, succeeded, "errors") == 0, $"the successful one has none: {emf}");
        Assert.True(emf.Sum("timeouts") == 0, $"no timeout: {emf}");
    }

    [Fact]
    public async Task A_timeout_is_counted_and_the_next_invocation_starts_a_fresh_runtime()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions { TimeoutSeconds = 1 });
        var timedOut = await lambda.InvokeAsync("""{"timeout":true}""");
        var next = await lambda.InvokeAsync("{}");

        Assert.False(IsFunctionSuccess(timedOut), $"the timed-out invocation answered {timedOut}");
        Assert.True(IsFunctionSuccess(next), $"the invocation after the timeout answered {next}");
        // The platform reset the sandbox after the timeout: a new runtime process served the next event.
        Assert.Equal(1, next.Json!.Value.GetProperty("invocation").GetInt32());

        Assert.Equal("Sandbox.Timedout", timedOut.Property("errorType"));

        await lambda.DockerStopAsync(StopGrace);
        var emf = await lambda.EmfAsync();
        Assert.True(emf.Sum("invocations") == 2, $"two invocations: {emf}");
        // runtimeDone(timeout) may not reach Pulse before the reset kills it: Pulse then derives the timeout of the
        // open invocation from SHUTDOWN's shutdownReason "timeout" (spec §4.7.3). Either way it is counted once.
        Assert.True(SumFor(emf, timedOut, "timeouts") == 1, $"the timed-out invocation has one timeout: {emf}");
        Assert.True(emf.Sum("timeouts") == 1, $"only one timeout: {emf}");
        Assert.True(emf.Sum("errors") == 1, $"the timeout is the only error: {emf}");
    }

    [Fact]
    public async Task An_allocation_past_the_memory_limit_is_killed_by_the_kernel_and_reported_as_out_of_memory()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions { MemoryMb = 128 });
        var killed = await lambda.InvokeAsync("""{"allocateMb":400,"sleepMs":2000}""");
        var next = await lambda.InvokeAsync("{}");

        Assert.False(IsFunctionSuccess(killed), $"the allocation should not have survived a 128 MB limit: {killed}");
        Assert.True(IsFunctionSuccess(next), $"the sandbox should serve the next invocation: {next}");
        Assert.Equal(1, next.Json!.Value.GetProperty("invocation").GetInt32());
        // The kernel, not the runtime, ended it: the container's memory cgroup counts one OOM kill (v1 or v2 layout).
        var oom = await lambda.ExecAsync("sh", "-c", "cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events");
        var kills = System.Text.RegularExpressions.Regex.Match(oom.Stdout, @"oom_kill (\d+)");
        Assert.True(kills.Success && int.Parse(kills.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1,
            $"the container's memory cgroup shows no OOM kill: {oom}");

        // Pulse learns of an OOM from the platform: the emulator, unable to create a cgroup in the container, reads
        // the container's own memory cgroup (oom_kill counter and peak) and reports the kill as Lambda does.
        Assert.True(killed.Property("errorType") == "Runtime.OutOfMemory", $"the kernel's OOM kill is Runtime.OutOfMemory: {killed}");

        await lambda.DockerStopAsync(StopGrace);
        var emf = await lambda.EmfAsync();
        Assert.True(SumFor(emf, killed, "out_of_memory") == 1, $"the killed invocation is out of memory: {emf}");
        Assert.True(emf.Sum("out_of_memory") == 1, $"only one out-of-memory invocation: {emf}");
        Assert.True(emf.Sum("invocations") == 2, $"two invocations: {emf}");
        // The peak is the container cgroup's max_usage_in_bytes: at the 128 MB limit when the kernel killed, not the
        // few MB of resident memory left once the runtime is gone.
        Assert.True(SumFor(emf, killed, "max_memory_used") >= 100, $"the killed invocation's peak is near the 128 MB limit: {emf}");
    }

    [Fact]
    public async Task Docker_stop_shuts_the_sandbox_down_and_pulse_flushes_before_the_exit()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions());
        var only = await lambda.InvokeAsync("{}");
        Assert.True(IsFunctionSuccess(only), $"invoke answered {only}");
        var requestId = only.Property("requestId")!;

        var exitCode = await lambda.DockerStopAsync(StopGrace);

        // 137 would mean docker's SIGKILL after the grace period: the emulator and Pulse did not finish SHUTDOWN.
        Assert.NotEqual(137, exitCode);
        var emf = await lambda.EmfAsync();
        Assert.True(emf.Sum("shutdowns") == 1, $"one SHUTDOWN: {emf}");
        // The last invocation's REPORT only exists after its /next, so its duration can only have been flushed at SHUTDOWN.
        Assert.True(emf.ForRequest(requestId).Any(r => r.Sum("duration") > 0), $"the final flush carries the last invocation's report: {emf}");
    }

    [Fact]
    public async Task The_read_only_root_and_the_non_root_user_do_not_break_pulse()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions());

        Assert.Equal("993", (await lambda.ExecAsync("id", "-u")).Stdout.Trim());
        var rootWrite = await lambda.ExecAsync("touch", "/var/task/written-by-test");
        Assert.NotEqual(0, rootWrite.ExitCode);
        Assert.Equal(0, (await lambda.ExecAsync("touch", "/tmp/written-by-test")).ExitCode);
        var mounts = (await lambda.ExecAsync("cat", "/proc/mounts")).Stdout;
        Assert.Matches(@"(?m)^\S+ / \S+ ro[,\s]", mounts);
        Assert.Matches(@"(?m)^tmpfs /tmp tmpfs rw,.*size=524288k", mounts);
        Assert.Equal("pulse", (await lambda.ExecAsync("ls", "/opt/extensions")).Stdout.Trim());

        for (var i = 0; i < 2; i++)
        {
            var r = await lambda.InvokeAsync("{}");
            Assert.True(IsFunctionSuccess(r), $"invoke answered {r}");
        }
        await lambda.DockerStopAsync(StopGrace);
        var (stdout, stderr) = await lambda.LogsAsync();
        var emf = EmfOutput.Parse(stdout + "\n" + stderr);
        Assert.True(emf.Sum("invocations") == 2, $"Pulse reported both invocations: {emf}");
        // The emulator's own notes about the read-only cgroup file system are expected; Pulse must not complain.
        var sandboxLines = (stdout + "\n" + stderr).Split('\n').Where(l => !l.StartsWith("[emulator]", StringComparison.Ordinal));
        Assert.DoesNotContain(sandboxLines, l => l.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) || l.Contains("EROFS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Custom_metrics_sent_over_dogstatsd_inside_the_container_reach_the_emf_output()
    {
        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions());
        var first = await lambda.InvokeAsync("""{"statsd":["docker_test.orders:3|c|#shop:eu","docker_test.basket_size:42|d"]}""");
        var second = await lambda.InvokeAsync("""{"statsd":["docker_test.orders:2|c|#shop:eu"]}""");
        foreach (var r in new[] { first, second })
        {
            Assert.True(IsFunctionSuccess(r), $"invoke answered {r}");
        }

        await lambda.DockerStopAsync(StopGrace);
        var emf = await lambda.EmfAsync();
        Assert.True(emf.Sum("docker_test.orders") == 5, $"the counter sums to 5: {emf}");
        Assert.True(emf.Sum("docker_test.basket_size") == 42, $"the distribution value arrives: {emf}");
        Assert.All(emf.With("docker_test.orders"), r => Assert.Equal("eu", r.Properties.GetValueOrDefault("shop")));
    }

    internal static bool IsFunctionSuccess(InvokeResult result) =>
        result.Status == HttpStatusCode.OK
        && result.Json is { ValueKind: JsonValueKind.Object } json
        && json.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True;

    private static double SumFor(EmfOutput emf, InvokeResult invocation, string metric)
    {
        Assert.False(string.IsNullOrEmpty(invocation.RequestId), $"the invoke response carries no request id: {invocation}");
        return emf.ForRequest(invocation.RequestId!).Sum(r => r.Sum(metric));
    }

    private static string? ColdStartTag(EmfOutput emf, string requestId) =>
        emf.ForRequest(requestId).Select(r => r.Properties.GetValueOrDefault("cold_start")).FirstOrDefault(v => v is not null);
}
