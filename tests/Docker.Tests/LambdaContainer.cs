using System.Globalization;
using System.Net.Sockets;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Pulse.Testing;

namespace Pulse.Docker.Tests;

/// <summary>
/// One Lambda-shaped container: the emulator as the entry point under an init process, the Pulse layer
/// in /opt, the test function in /var/task, read-only root, /tmp as a 512 MB tmpfs, a non-root user,
/// the memory limit equal to the function's memory size, and host networking with free ports so that
/// parallel runs on one machine never collide. Disposing removes the container.
/// </summary>
public sealed class LambdaContainer : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };

    private readonly IContainer _container;

    public int InvokePort { get; }

    public LambdaContainerOptions Options { get; }

    private LambdaContainer(IContainer container, int invokePort, LambdaContainerOptions options)
    {
        _container = container;
        InvokePort = invokePort;
        Options = options;
    }

    public string Id => _container.Id;

    public static async Task<LambdaContainer> StartAsync(DockerFixture fixture, LambdaContainerOptions options)
    {
        fixture.RequireEngine();
        var emulator = RequireEmulator();
        RequirePulseCore();
        var layer = TestEnvironment.RequireArtifact(
            options.Architecture == LayerArchitecture.X86_64 ? "pulse-x86_64.zip" : "pulse-arm64.zip", "layer");
        var bootstrap = TestEnvironment.RequireArtifact(Path.Combine("test-function", "bootstrap"), "test-function");
        var image = await fixture.ImageAsync(options.Architecture, emulator, layer, bootstrap);

        var invokePort = TestEnvironment.FreeTcpPort();
        var runtimeApiPort = TestEnvironment.FreeTcpPort();
        var telemetryPort = TestEnvironment.FreeTcpPort();
        var statsdPort = TestEnvironment.FreeUdpPort();
        var memoryBytes = options.MemoryMb * 1024L * 1024L;

        var command = new List<string>
        {
            "--listen", $"127.0.0.1:{invokePort}",
            "--runtime-api", $"127.0.0.1:{runtimeApiPort}",
            "--opt", "/opt",
            "--memory", options.MemoryMb.ToString(CultureInfo.InvariantCulture),
            "--timeout", options.TimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            // The container is the sandbox: it already has its own /opt, and a non-root user cannot unshare.
            "--no-namespace",
            "--env", $"PULSE_TELEMETRY_PORT={telemetryPort}",
            "--env", $"PULSE_DOGSTATSD_PORT={statsdPort}",
        };
        foreach (var (key, value) in options.Environment) command.AddRange(["--env", $"{key}={value}"]);
        command.Add("/var/task/bootstrap");

        var container = new ContainerBuilder(image)
            .WithLabel(fixture.Labels)
            .WithCommand([.. command])
            .WithEnvironment("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", options.MemoryMb.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("AWS_LAMBDA_FUNCTION_TIMEOUT", options.TimeoutSeconds.ToString(CultureInfo.InvariantCulture))
            .WithCreateParameterModifier(p =>
            {
                p.HostConfig ??= new global::Docker.DotNet.Models.HostConfig();
                // Host networking through the create parameters: WithNetwork("host") leaves the container without a network.
                p.HostConfig.NetworkMode = "host";
                // An init process as PID 1 forwards `docker stop`'s SIGTERM and reaps, so signals and exit codes behave.
                p.HostConfig.Init = true;
                p.HostConfig.ReadonlyRootfs = true;
                p.HostConfig.Tmpfs = new Dictionary<string, string> { ["/tmp"] = "rw,exec,nosuid,nodev,size=512m,mode=1777" };
                p.HostConfig.Memory = memoryBytes;
                p.HostConfig.MemorySwap = memoryBytes; // no swap: past the limit the kernel OOM-kills, as in Lambda
                p.HostConfig.ExtraHosts = ["sandbox.localdomain:127.0.0.1"];
            })
            .Build();

        var lambda = new LambdaContainer(container, invokePort, options);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await container.StartAsync(cts.Token);
            await lambda.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await lambda.DisposeAsync();
            throw;
        }
        return lambda;
    }

    /// <summary>
    /// The emulator artifact. While the emulator is not part of the tree at all, the Docker tests cannot
    /// run anywhere (Skip, even under CI); once its project exists, a missing build is a failure under CI.
    /// </summary>
    private static string RequireEmulator()
    {
        var project = Path.Combine(TestEnvironment.RepoRoot, "tests", "Emulator", "Emulator.csproj");
        if (!File.Exists(project)) Assert.Skip("the emulator (tests/Emulator) is not part of this tree yet: the Docker tests need dist/lambda-emulator");
        return TestEnvironment.RequireArtifact("lambda-emulator", "emulator");
    }

    /// <summary>
    /// Until the Pulse core (extension/Lifecycle) is in the tree, the layer holds only the skeleton that
    /// exits at once: nothing to test in a container (Skip, even under CI).
    /// </summary>
    private static void RequirePulseCore()
    {
        var lifecycle = Path.Combine(TestEnvironment.RepoRoot, "extension", "Lifecycle");
        if (!Directory.Exists(lifecycle) || Directory.GetFiles(lifecycle, "*.cs").Length == 0)
            Assert.Skip("the Pulse core (extension/Lifecycle) is not part of this tree yet: the layer would only be the skeleton");
    }

    private async Task WaitUntilListeningAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await IsExitedAsync())
            {
                var (stdout, stderr) = await LogsAsync();
                Assert.Fail($"the container exited before the invoke endpoint was up.\nstdout:\n{stdout}\nstderr:\n{stderr}");
            }
            try
            {
                using var client = new TcpClient();
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync("127.0.0.1", InvokePort, attempt.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(100);
            }
        }
        var (o, r) = await LogsAsync();
        Assert.Fail($"the invoke endpoint 127.0.0.1:{InvokePort} did not answer within {limit.TotalSeconds} s.\nstdout:\n{o}\nstderr:\n{r}");
    }

    /// <summary>Invokes the function through the RIE-compatible endpoint.</summary>
    public async Task<InvokeResult> InvokeAsync(string payload)
    {
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync($"http://127.0.0.1:{InvokePort}/2015-03-31/functions/function/invocations", content);
        var headers = response.Headers.Concat(response.Content.Headers)
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(",", g.SelectMany(h => h.Value)), StringComparer.OrdinalIgnoreCase);
        return new InvokeResult(response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }

    /// <summary>`docker stop`: SIGTERM to the init process, SIGKILL after <paramref name="grace"/>. Returns the exit code.</summary>
    public async Task<long> DockerStopAsync(TimeSpan grace)
    {
        var seconds = ((int)Math.Ceiling(grace.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var stop = await Command.DockerAsync(grace + TimeSpan.FromSeconds(60), "stop", "-t", seconds, Id);
        Assert.True(stop.Succeeded, $"docker stop failed: {stop}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _container.GetExitCodeAsync(cts.Token);
    }

    public async Task<bool> IsExitedAsync()
    {
        var state = await Command.DockerAsync(TimeSpan.FromSeconds(30), "inspect", "-f", "{{.State.Status}}", Id);
        return state.Stdout.Trim() is "exited" or "dead";
    }

    /// <summary>Runs a command inside the container as its user.</summary>
    public async Task<CommandResult> ExecAsync(params string[] command)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await _container.ExecAsync(command, cts.Token);
        return new CommandResult((int)(result.ExitCode ?? -1), result.Stdout, result.Stderr, TimedOut: false);
    }

    public async Task<(string Stdout, string Stderr)> LogsAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await _container.GetLogsAsync(timestampsEnabled: false, ct: cts.Token);
    }

    /// <summary>Every EMF record in the container's output so far (stdout and stderr).</summary>
    public async Task<EmfOutput> EmfAsync()
    {
        var (stdout, stderr) = await LogsAsync();
        return EmfOutput.Parse(stdout + "\n" + stderr);
    }

    /// <summary>Polls the output until <paramref name="condition"/> holds or <paramref name="limit"/> passes.</summary>
    public async Task<EmfOutput> WaitForEmfAsync(Func<EmfOutput, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var emf = await EmfAsync();
            if (condition(emf) || DateTime.UtcNow > deadline) return emf;
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!string.IsNullOrEmpty(SafeId()))
        {
            await Command.DockerAsync(TimeSpan.FromSeconds(60), "rm", "-f", Id);
        }
        try
        {
            await _container.DisposeAsync();
        }
        catch (Exception)
        {
            // Already removed above; Testcontainers' own stop of a missing container is irrelevant.
        }
    }

    private string? SafeId()
    {
        try
        {
            return _container.Id;
        }
        catch (InvalidOperationException)
        {
            return null; // never created
        }
    }
}
