using Pulse.Testing;

namespace Pulse.Docker.Tests;

/// <summary>
/// The arm64 layer in the same Lambda-shaped container, run through qemu-user on this x86_64 host
/// (the extension binary is unchanged; /opt/extensions/pulse is a wrapper that execs it under qemu).
/// </summary>
public sealed class Arm64LayerTests(DockerFixture fixture)
{
    [Fact]
    public async Task The_arm64_layer_runs_under_qemu_and_reports_its_invocations()
    {
        fixture.RequireEngine();
        var missing = TestImageContext.MissingForArm64();
        TestEnvironment.RequireOrSkip(missing is null, $"arm64 under qemu-user: {missing}");

        await using var lambda = await LambdaContainer.StartAsync(fixture, new LambdaContainerOptions
        {
            Architecture = LayerArchitecture.Arm64,
            TimeoutSeconds = 30, // user-mode emulation is several times slower than native
        });
        for (var i = 0; i < 2; i++)
        {
            var r = await lambda.InvokeAsync("{}");
            Assert.True(LambdaContainerTests.IsFunctionSuccess(r), $"invoke answered {r}");
        }
        await lambda.DockerStopAsync(TimeSpan.FromSeconds(20));

        var emf = await lambda.EmfAsync();
        Assert.True(emf.Sum("invocations") == 2, $"two invocations: {emf}");
        Assert.All(emf.With("invocations"), r => Assert.Equal("arm64", r.Properties.GetValueOrDefault("architecture")));
        Assert.True(emf.Sum("shutdowns") == 1, $"one SHUTDOWN: {emf}");
    }
}
