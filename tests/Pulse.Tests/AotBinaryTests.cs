using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Pulse.Testing;

namespace Pulse.Tests;

/// <summary>
/// The published Native AOT binary from the layer zip, run as Lambda runs it, against the fake Extensions
/// and Telemetry APIs: catches what only AOT can break (trimming, source-generated code, P/Invoke).
/// </summary>
public sealed class AotBinaryTests
{
    private const string A = "33333333-3333-4333-8333-333333333333";

    [Fact]
    public async Task The_layer_binary_registers_flushes_emf_and_exits_cleanly_at_shutdown()
    {
        var zipPath = TestEnvironment.RequireArtifact("pulse-x86_64.zip", "layer");
        var dir = Directory.CreateTempSubdirectory("pulse-aot-");
        Process? process = null;
        try
        {
            ZipFile.ExtractToDirectory(zipPath, dir.FullName);
            var binary = Path.Combine(dir.FullName, "extensions", "pulse");
            File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

            await using var api = new FakeExtensionsApi(async (n, fake) =>
            {
                if (n == 1) return FakeExtensionsApi.Invoke(A);
                await fake.PostTelemetryAsync(TelemetryJson.Start(A), TelemetryJson.RuntimeDone(A), TelemetryJson.Report(A));
                await Task.Delay(100);
                return FakeExtensionsApi.Shutdown();
            });
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["AWS_LAMBDA_RUNTIME_API"] = api.RuntimeApi;
            start.Environment["PULSE_TELEMETRY_PORT"] = TestEnvironment.FreeTcpPort().ToString();
            start.Environment["PULSE_DOGSTATSD_PORT"] = "0";
            start.Environment["PULSE_LOG_LEVEL"] = "info";
            start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "fn";
            start.Environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128";
            process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);

            var log = await stderr;
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {log}");
            Assert.Equal("pulse", api.RegisterHeaders["Lambda-Extension-Name"]);
            Assert.Equal(2, api.NextCalls.Count);
            Assert.Contains("[pulse] info: ready", log);
            var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var docs = lines.Select(EmfValidator.Validate).ToList();
            var a = docs.Select(d => d.RootElement).Single(r => r.TryGetProperty("requestId", out var id) && id.GetString() == A);
            Assert.Equal(11.642, a.GetProperty("duration").GetDouble());
            Assert.Equal(11.185, a.GetProperty("runtime_duration").GetDouble());
            Assert.Contains(docs, d => d.RootElement.TryGetProperty("shutdowns", out _));
        }
        finally
        {
            if (process is { HasExited: false }) process.Kill(entireProcessTree: true);
            process?.Dispose();
            dir.Delete(recursive: true);
        }
    }
}
