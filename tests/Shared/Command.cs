using System.Diagnostics;

namespace Pulse.Testing;

/// <summary>Runs an external command (docker CLI, node, scripts) with a hard time limit; the process tree is killed on timeout. Shared by every test project.</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Pulse.Testing.TestEnvironment.RepoRoot,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null) foreach (var (key, value) in environment) info.Environment[key] = value;

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandResult(127, "", $"{fileName}: {e.Message}", TimedOut: false);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            return new CommandResult(-1, await stdout, await stderr, TimedOut: true);
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr, TimedOut: false);
    }

    public static Task<CommandResult> DockerAsync(TimeSpan timeout, params string[] arguments) =>
        RunAsync("docker", arguments, timeout);
}
