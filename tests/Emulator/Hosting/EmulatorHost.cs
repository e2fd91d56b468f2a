using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pulse.Emulator.Cli;
using Pulse.Emulator.Http;
using Pulse.Emulator.Recording;
using Pulse.Emulator.Sandbox;

namespace Pulse.Emulator.Hosting;

/// <summary>
/// Wires one emulator: the sandbox's /opt (a folder or unzipped layers), the Runtime API server, the RIE invoke
/// endpoint and the sandbox itself. Tests create it in-process; Program runs it until a signal or the batch ends.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly EmulatorOptions _options;
    private readonly Action<string> _log;
    private readonly string _workDir;
    private HttpServer? _invokeServer;
    private HttpServer? _apiServer;

    public EmulatorHost(EmulatorOptions options, TextWriter output, TextWriter diagnostics, bool recordInMemory = false)
    {
        _options = options;
        var diagnosticsLock = new object();
        _log = options.Quiet ? _ => { } : message => { lock (diagnosticsLock) { try { diagnostics.WriteLine("[emulator] " + message); diagnostics.Flush(); } catch (IOException) { } } };
        Recorder = new Recorder(options.RecordPath, recordInMemory);
        _workDir = Directory.CreateTempSubdirectory("lambda-emulator-").FullName;
        var optDir = PrepareOpt();
        Sandbox = new LambdaSandbox(options, Recorder, output, _log, _workDir, optDir);
    }

    public Recorder Recorder { get; }
    public LambdaSandbox Sandbox { get; }

    private string PrepareOpt()
    {
        if (_options.Layers.Count == 0)
        {
            if (_options.OptDir is { } given)
            {
                var full = Path.GetFullPath(given);
                if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"--opt {given}: no such directory");
                return full;
            }
            // An empty /opt: the function has no layers.
            return Directory.CreateDirectory(Path.Combine(_workDir, "opt")).FullName;
        }
        var opt = Path.Combine(_workDir, "opt");
        Directory.CreateDirectory(opt);
        if (_options.OptDir is { } baseDir) CopyTree(Path.GetFullPath(baseDir), opt);
        foreach (var layer in _options.Layers)
        {
            // Later layers overwrite earlier ones, as Lambda merges them in order; unix modes come from the zip.
            ZipFile.ExtractToDirectory(layer, opt, overwriteFiles: true);
            _log($"layer {layer} unzipped into {opt}");
        }
        return opt;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }

    /// <summary>Starts both servers, then runs init (unless lazy).</summary>
    public async Task StartAsync()
    {
        _apiServer = new HttpServer(_options.RuntimeApiHost, _options.RuntimeApiPort, Sandbox.HandleApiAsync, _log);
        _apiServer.Start();
        _invokeServer = new HttpServer(_options.ListenHost, _options.ListenPort, HandleInvokeAsync, _log);
        _invokeServer.Start();
        _log($"Runtime API on {_options.RuntimeApiHost}:{_options.RuntimeApiPort}, invoke endpoint http://{_options.ListenHost}:{_options.ListenPort}/2015-03-31/functions/function/invocations");
        await Sandbox.StartAsync().ConfigureAwait(false);
    }

    private async Task HandleInvokeAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = (request.RawUrl ?? "/").Split('?')[0];
        if (!(path.StartsWith("/2015-03-31/functions/", StringComparison.Ordinal) && path.EndsWith("/invocations", StringComparison.Ordinal)))
        {
            await HttpResponses.ErrorAsync(context, 404, "ResourceNotFoundException", $"Unknown path {path}").ConfigureAwait(false);
            return;
        }
        if (request.HttpMethod != "POST")
        {
            await HttpResponses.ErrorAsync(context, 405, "MethodNotAllowed", "use POST").ConfigureAwait(false);
            return;
        }
        var payload = await HttpResponses.ReadBodyAsync(request, 6 * 1024 * 1024).ConfigureAwait(false);
        if (payload is null)
        {
            await HttpResponses.ErrorAsync(context, 413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation").ConfigureAwait(false);
            return;
        }
        string? clientContext = null;
        if (request.Headers["X-Amz-Client-Context"] is { Length: > 0 } encoded)
        {
            try { clientContext = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)); }
            catch (FormatException)
            {
                await HttpResponses.ErrorAsync(context, 400, "InvalidRequestContentException", "X-Amz-Client-Context must be base64").ConfigureAwait(false);
                return;
            }
        }
        var result = await Sandbox.InvokeAsync(new InvokeRequest(payload, clientContext, request.Headers["X-Amzn-Trace-Id"], null)).ConfigureAwait(false);
        context.Response.Headers["X-Amz-Executed-Version"] = _options.FunctionVersion;
        context.Response.Headers["X-Amzn-RequestId"] = result.RequestId;
        if (result.FunctionError is not null) context.Response.Headers["X-Amz-Function-Error"] = result.FunctionError;
        await HttpResponses.WriteAsync(context, 200, result.Body).ConfigureAwait(false);
    }

    /// <summary>Batch mode: N invocations with the payload of --invoke, then SHUTDOWN; true when every one succeeded.</summary>
    public async Task<bool> RunBatchAsync(TextWriter summary)
    {
        var payload = _options.InvokeFile is null or "-" ? Array.Empty<byte>() : await File.ReadAllBytesAsync(_options.InvokeFile).ConfigureAwait(false);
        var ok = 0;
        for (var i = 1; i <= _options.Invocations; i++)
        {
            var result = await Sandbox.InvokeAsync(new InvokeRequest(payload, null, null, null)).ConfigureAwait(false);
            if (result.FunctionError is null) ok++;
            else summary.WriteLine($"[emulator] invocation {i} ({result.RequestId}) failed: {result.Status} {result.ErrorType}");
        }
        await Sandbox.ShutdownAsync().ConfigureAwait(false);
        summary.WriteLine($"[emulator] {ok} of {_options.Invocations} invocations succeeded");
        Recorder.Write("batch", new JsonObject { ["invocations"] = _options.Invocations, ["succeeded"] = ok });
        return ok == _options.Invocations;
    }

    public async ValueTask DisposeAsync()
    {
        await Sandbox.ShutdownAsync().ConfigureAwait(false);
        if (_invokeServer is not null) await _invokeServer.DisposeAsync().ConfigureAwait(false);
        if (_apiServer is not null) await _apiServer.DisposeAsync().ConfigureAwait(false);
        await Sandbox.DisposeAsync().ConfigureAwait(false);
        Recorder.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
