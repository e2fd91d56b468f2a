using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// One run of dist/lambda-emulator with the test function as runtime and one variant in /opt,
/// recording its ground truth (--record). Either a server that the harness invokes over HTTP (so it
/// can sample the extension between invocations), or the emulator's own batch mode.
/// The emulator's output (function and extension logs, EMF lines) goes to a log file.
/// </summary>
public sealed partial class EmulatorSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _drain;
    private readonly OptDirectory _opt;
    private readonly HttpClient _http;
    private readonly int _listenPort;

    private EmulatorSession(Process process, Task drain, OptDirectory opt, string recordPath, string logPath, int listenPort)
    {
        _process = process;
        _drain = drain;
        _opt = opt;
        RecordPath = recordPath;
        LogPath = logPath;
        _listenPort = listenPort;
        // Invocations of the test function take milliseconds; a minute means the sandbox is wedged.
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
    }

    public string RecordPath { get; }
    public string LogPath { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The arguments every run shares: free ports, the record, the function's settings.</summary>
    private static List<string> CommonArguments(OptDirectory opt, string recordPath, int listenPort, int runtimeApiPort) =>
    [
        "--listen", $"127.0.0.1:{listenPort}",
        "--runtime-api", $"127.0.0.1:{runtimeApiPort}",
        "--opt", opt.Root,
        "--record", recordPath,
        "--function-name", "pulse-bench",
        "--memory", "128",
        "--timeout", "30",
    ];

    public static EmulatorSession StartServer(BenchPaths paths, OptDirectory opt, string workDirectory, string label, IEnumerable<string>? extraArguments = null)
    {
        var listenPort = FreeTcpPort();
        var record = Path.Combine(workDirectory, $"{label}.record.jsonl");
        var arguments = CommonArguments(opt, record, listenPort, FreeTcpPort());
        arguments.AddRange(extraArguments ?? []);
        arguments.Add(paths.TestFunction!);
        return Start(paths, opt, workDirectory, label, record, listenPort, arguments);
    }

    /// <summary>
    /// Batch mode: --invoke with the payload, --invocations N, plus extra switches (--cold-starts).
    /// Returns once the emulator has exited (or was killed at the timeout); the record is complete then.
    /// </summary>
    public static async Task<BatchOutcome> RunBatchAsync(BenchPaths paths, OptDirectory opt, string workDirectory, string label,
        int invocations, string payload, IEnumerable<string> extraArguments, TimeSpan timeout)
    {
        var listenPort = FreeTcpPort();
        var record = Path.Combine(workDirectory, $"{label}.record.jsonl");
        var payloadFile = Path.Combine(workDirectory, $"{label}.payload.json");
        await File.WriteAllTextAsync(payloadFile, payload);
        var arguments = CommonArguments(opt, record, listenPort, FreeTcpPort());
        arguments.AddRange(["--invoke", payloadFile, "--invocations", invocations.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        arguments.AddRange(extraArguments);
        arguments.Add(paths.TestFunction!);
        await using var session = Start(paths, opt, workDirectory, label, record, listenPort, arguments);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await session._process.WaitForExitAsync(deadline.Token);
            await session._drain;
            return new BatchOutcome(session._process.ExitCode, TimedOut: false, record, session.LogPath);
        }
        catch (OperationCanceledException)
        {
            return new BatchOutcome(-1, TimedOut: true, record, session.LogPath);
        }
    }

    private static EmulatorSession Start(BenchPaths paths, OptDirectory opt, string workDirectory, string label, string record,
        int listenPort, List<string> arguments)
    {
        var log = Path.Combine(workDirectory, $"{label}.log");
        var start = new ProcessStartInfo(paths.Emulator!, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {paths.Emulator}");
        var writer = new StreamWriter(log, append: false, new UTF8Encoding(false));
        writer.WriteLine($"# {paths.Emulator} {string.Join(' ', arguments)}");
        var drain = Task.WhenAll(
            CopyLinesAsync(process.StandardOutput, writer),
            CopyLinesAsync(process.StandardError, writer)).ContinueWith(_ => writer.Dispose(), TaskScheduler.Default);
        return new EmulatorSession(process, drain, opt, record, log, listenPort);
    }

    private static async Task CopyLinesAsync(StreamReader reader, StreamWriter writer)
    {
        // Thousands of EMF lines per second pass through here: copy, never interpret.
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (writer) writer.WriteLine(line);
        }
    }

    /// <summary>Waits until the invoke endpoint accepts connections (init runs before that, as in Lambda).</summary>
    public async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the emulator exited with {_process.ExitCode} before listening; see {LogPath}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", _listenPort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new TimeoutException($"the emulator did not listen on 127.0.0.1:{_listenPort} within {timeout.TotalSeconds:0} s; see {LogPath}");
    }

    /// <summary>One invocation through the RIE endpoint; true when the function answered without a function error.</summary>
    public async Task<bool> InvokeAsync(string payload)
    {
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync($"http://127.0.0.1:{_listenPort}/2015-03-31/functions/function/invocations", content);
        await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode && !response.Headers.Contains("X-Amz-Function-Error");
    }

    /// <summary>The pid of the variant's extension, from the launcher's stamp (the latest exec).</summary>
    public int? ExtensionPid() => _opt.Stamps() is { Count: > 0 } stamps ? stamps[^1].Pid : null;

    /// <summary>SIGTERM → the SHUTDOWN phase (reason spindown), then exit; killed if it overstays.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited) _ = Kill(_process.Id, SignalTerminate);
        using var deadline = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        await _drain.WaitAsync(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await StopAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception error) when (error is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        // Anything the sandbox left behind (a frozen extension whose emulator was killed) must not outlive the run.
        // The stamp's pid is checked against /proc first: never signal a pid the system has reused.
        foreach (var stamp in _opt.Stamps())
        {
            if (IsStampedProcessAlive(stamp)) _ = Kill(stamp.Pid, SignalKill);
        }
        _process.Dispose();
        _http.Dispose();
    }

    /// <summary>
    /// True when the process with the stamp's pid is still the one the launcher exec'd: it started
    /// (field 22 of /proc/pid/stat, ticks since boot) within a second of the stamp (CLOCK_MONOTONIC).
    /// </summary>
    private static bool IsStampedProcessAlive(ExecStamp stamp)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{stamp.Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var startedMs = long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture) * 1000.0 / ProcessSample.ClockTicksPerSecond;
            return Math.Abs(startedMs - stamp.MonotonicMs) < 1000;
        }
        catch (Exception error) when (error is IOException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int SignalKill = 9;
    private const int SignalTerminate = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
