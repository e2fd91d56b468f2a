using System.Collections;
using System.Runtime.InteropServices;
using Pulse.Emulator.Cli;
using Pulse.Emulator.Hosting;

var environment = new Dictionary<string, string>(StringComparer.Ordinal);
foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) environment[(string)e.Key] = (string?)e.Value ?? "";
if (args is ["--help"] or ["-h"]) { Console.WriteLine(EmulatorOptions.Usage); return 0; }
var options = EmulatorOptions.Parse(args, environment, out var error);
if (options is null)
{
    Console.Error.WriteLine($"lambda-emulator: {error}");
    Console.Error.WriteLine(EmulatorOptions.Usage);
    return 2;
}

EmulatorHost host;
try { host = new EmulatorHost(options, Console.Out, Console.Error); }
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"lambda-emulator: {e.Message}");
    return 2;
}
await using var hostLifetime = host;
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var signals = 0;
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    // First signal: the SHUTDOWN phase (spindown). Second: kill everything now.
    if (Interlocked.Increment(ref signals) > 1) { host.Sandbox.KillAll(); Environment.Exit(130); }
    stop.TrySetResult();
}
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

try { await host.StartAsync(); }
catch (Exception e) when (e is System.Net.HttpListenerException or IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"lambda-emulator: cannot start: {e.Message}");
    return 1;
}
if (options.InvokeFile is not null)
{
    var batch = host.RunBatchAsync(Console.Error);
    var done = await Task.WhenAny(batch, stop.Task);
    if (done != batch) { await host.Sandbox.ShutdownAsync(); return 1; }
    return await batch ? 0 : 1;
}
await stop.Task;
await host.Sandbox.ShutdownAsync();
return 0;
