using Pulse.Invocations;

namespace Pulse.Tests;

public sealed class RuntimeDetectorTests
{
    [Theory]
    [InlineData("python:3.12.v20", "python3.12")]
    [InlineData("nodejs:20.v22", "nodejs20.x")]
    [InlineData("java:21.v15", "java21")]
    [InlineData("provided:al2023.v30", "provided.al2023")]
    [InlineData("garbage", null)]
    [InlineData("", null)]
    public void Runtime_version_maps_to_the_runtime_identifier(string version, string? expected) =>
        Assert.Equal(expected, RuntimeDetector.FromRuntimeVersion(version));

    [Theory]
    [InlineData("AWS_Lambda_python3.12", "python3.12")]
    [InlineData("AWS_Lambda_nodejs20.x", "nodejs20.x")]
    [InlineData(null, null)]
    public void Execution_env_maps_to_the_runtime_identifier(string? env, string? expected) =>
        Assert.Equal(expected, RuntimeDetector.FromExecutionEnv(env));

    [Fact]
    public void The_system_scan_reads_another_process_environment_then_the_os_release()
    {
        var root = Directory.CreateTempSubdirectory("pulse-proc-");
        try
        {
            var proc = Directory.CreateDirectory(Path.Combine(root.FullName, "proc"));
            var other = Directory.CreateDirectory(Path.Combine(proc.FullName, "4242"));
            File.WriteAllBytes(Path.Combine(other.FullName, "environ"), "PATH=/bin\0AWS_EXECUTION_ENV=AWS_Lambda_ruby3.3\0"u8.ToArray());
            var osRelease = Path.Combine(root.FullName, "os-release");
            File.WriteAllText(osRelease, "NAME=\"Amazon Linux\"\nPRETTY_NAME=\"Amazon Linux 2023.6.20250107\"\n");
            Assert.Equal("ruby3.3", RuntimeDetector.DetectFromSystem(proc.FullName, osRelease));

            File.WriteAllBytes(Path.Combine(other.FullName, "environ"), "PATH=/bin\0"u8.ToArray());
            Assert.Equal("provided.al2023", RuntimeDetector.DetectFromSystem(proc.FullName, osRelease));
            Assert.Equal("unknown", RuntimeDetector.DetectFromSystem(proc.FullName, Path.Combine(root.FullName, "missing")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
