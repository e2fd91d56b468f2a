using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Sinks.Tests;

/// <summary>
/// Runs decoder/decode.js (node) on a payload. The decoder's npm packages are installed once per test run
/// with `npm ci` into decoder/node_modules (git-ignored) when missing or stale, bounded in time; without
/// node or the npm registry the tests Skip outside CI and fail under CI.
/// </summary>
internal static class NodeDecoder
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DecodeTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static string? s_installProblem;
    private static bool s_installed;

    public static string Directory => Path.Combine(TestEnvironment.RepoRoot, "tests", "Sinks.Tests", "decoder");

    /// <summary>Decodes <paramref name="body"/> (as sent, before Content-Encoding is undone) and returns the decoder's JSON.</summary>
    public static async Task<JsonElement> DecodeAsync(string format, byte[] body, string contentEncoding = "identity")
    {
        await EnsureInstalledAsync();
        var file = Path.Combine(Path.GetTempPath(), $"pulse-payload-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, body);
        try
        {
            var (exit, stdout, stderr) = await RunAsync("node", ["decode.js", format, file, contentEncoding], DecodeTimeout);
            Assert.True(exit == 0, $"the independent decoder rejected the {format} payload:\n{stderr}");
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs the decoder and returns its exit code and error output (for payloads that must be rejected).</summary>
    public static async Task<(int Exit, string Errors)> TryDecodeAsync(string format, byte[] body)
    {
        await EnsureInstalledAsync();
        var file = Path.Combine(Path.GetTempPath(), $"pulse-payload-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, body);
        try
        {
            var (exit, _, stderr) = await RunAsync("node", ["decode.js", format, file, "identity"], DecodeTimeout);
            return (exit, stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (!s_installed && s_installProblem is null) s_installProblem = await InstallAsync();
            s_installed = s_installProblem is null;
        }
        finally
        {
            InstallLock.Release();
        }
        TestEnvironment.RequireOrSkip(s_installProblem is null, s_installProblem ?? "");
    }

    /// <summary>Returns null when the decoder is ready, else why it is not.</summary>
    private static async Task<string?> InstallAsync()
    {
        try
        {
            var (nodeExit, _, _) = await RunAsync("node", ["--version"], TimeSpan.FromSeconds(30));
            if (nodeExit != 0) return "node is not usable on this machine";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "node is not installed (the independent payload decoder needs node 20 and npm)";
        }

        var lockFile = Path.Combine(Directory, "package-lock.json");
        var stamp = Path.Combine(Directory, "node_modules", ".pulse-lock-sha256");
        var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(lockFile)));
        if (File.Exists(stamp) && (await File.ReadAllTextAsync(stamp)).Trim() == lockHash) return null;

        var (exit, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=10000"], InstallTimeout);
        if (exit != 0)
        {
            var last = (stderr + "\n" + stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            return $"npm ci for the payload decoder failed (exit {exit}; is the npm registry reachable?): {last}";
        }
        await File.WriteAllTextAsync(stamp, lockHash);
        return null;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, string[] arguments, TimeSpan timeout)
    {
        var result = await Pulse.Testing.Command.RunAsync(program, arguments, timeout, Directory,
            new Dictionary<string, string> { ["npm_config_update_notifier"] = "false" });
        var stderr = result.TimedOut ? $"{program} {string.Join(' ', arguments)} timed out after {timeout.TotalSeconds:0} s\n{result.Stderr}" : result.Stderr;
        return (result.ExitCode, result.Stdout, stderr);
    }
}
