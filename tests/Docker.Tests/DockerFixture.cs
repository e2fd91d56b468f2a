using System.Collections.Concurrent;
using DotNet.Testcontainers.Builders;
using Pulse.Testing;

namespace Pulse.Docker.Tests;

/// <summary>
/// Once per test run: makes sure an engine answers (tests/scripts/ensure-docker.sh), builds the test
/// images on demand, and at the end removes every container and image this run created (found by the
/// run's label: with Ryuk disabled, Testcontainers would leave them behind).
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public const string LocalBaseImage = "pulse-test/lambda-base:local";
    public const string RunLabel = "pulse.test.run";
    public const string PidLabel = "pulse.test.pid";

    private readonly ConcurrentDictionary<LayerArchitecture, Lazy<Task<string>>> _images = new();
    private readonly string _contextRoot = Path.Combine(Path.GetTempPath(), $"pulse-docker-{Guid.NewGuid():N}");

    public DockerFixture()
    {
        // Settings measured against Debian's dockerd 20.10 (notes/toolchain.md §4b); set before Testcontainers
        // reads its configuration, and only when the user has not chosen otherwise.
        SetDefault("DOCKER_API_VERSION", "1.41");      // Testcontainers 4.16 asks for 1.44 otherwise; 20.10 refuses
        SetDefault("TESTCONTAINERS_RYUK_DISABLED", "true"); // Ryuk is an image pull; this fixture cleans up by label instead
    }

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..12];

    public string BaseImage { get; } = Environment.GetEnvironmentVariable("PULSE_TEST_BASE_IMAGE") is { Length: > 0 } image ? image : LocalBaseImage;

    /// <summary>Null when the engine answers; otherwise why the Docker tests cannot run.</summary>
    public string? EngineUnavailable { get; private set; }

    public IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string>
    {
        [RunLabel] = RunId,
        [PidLabel] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async ValueTask InitializeAsync()
    {
        var script = Path.Combine(TestEnvironment.RepoRoot, "tests", "scripts", "ensure-docker.sh");
        var result = await Command.RunAsync("bash", [script], TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
        {
            EngineUnavailable = $"no Docker engine: tests/scripts/ensure-docker.sh failed ({result.ToString().Trim()})";
        }
    }

    /// <summary>Skips (fails under CI=true) when no engine answers.</summary>
    public void RequireEngine() => TestEnvironment.RequireOrSkip(EngineUnavailable is null, EngineUnavailable ?? "");

    /// <summary>The test image for a layer architecture, built once per run from tests/docker/Dockerfile.</summary>
    public Task<string> ImageAsync(LayerArchitecture architecture, string emulator, string layerZip, string bootstrap) =>
        _images.GetOrAdd(architecture, arch => new Lazy<Task<string>>(() => BuildImageAsync(arch, emulator, layerZip, bootstrap))).Value;

    private async Task<string> BuildImageAsync(LayerArchitecture architecture, string emulator, string layerZip, string bootstrap)
    {
        var context = TestImageContext.Stage(Path.Combine(_contextRoot, architecture.ToString().ToLowerInvariant()),
            architecture, emulator, layerZip, bootstrap);
        var name = $"pulse-test/lambda:{architecture.ToString().ToLowerInvariant().Replace('_', '-')}-{RunId}";
        var image = new ImageFromDockerfileBuilder()
            .WithDockerfileDirectory(context)
            .WithDockerfile("Dockerfile")
            .WithBuildArgument("BASE_IMAGE", BaseImage)
            .WithName(name)
            .WithLabel(Labels)
            .Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await image.CreateAsync(cts.Token);
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (EngineUnavailable is null)
        {
            var timeout = TimeSpan.FromSeconds(60);
            var containers = await Command.DockerAsync(timeout, "ps", "-aq", "--filter", $"label={RunLabel}={RunId}");
            var ids = containers.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length > 0) await Command.DockerAsync(timeout, ["rm", "-f", .. ids]);
            var images = await Command.DockerAsync(timeout, "images", "-q", "--filter", $"label={RunLabel}={RunId}");
            var imageIds = images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
            if (imageIds.Length > 0) await Command.DockerAsync(timeout, ["rmi", "-f", .. imageIds]);
            // Dangling intermediate layers of the classic builder carry no label; prune only the dangling ones of this run's builds.
            await Command.DockerAsync(timeout, "image", "prune", "-f", "--filter", $"label={RunLabel}={RunId}");
        }
        try
        {
            if (Directory.Exists(_contextRoot)) Directory.Delete(_contextRoot, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory that cannot be removed is not a test failure.
        }
    }

    private static void SetDefault(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }
}
