using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Pulse.TestFunction;

/// <summary>
/// Runs one invocation's script. The steps run in a fixed order so that combinations are predictable:
/// log → stderr → statsd → allocateMb → sleepMs → timeout → crash → exit → throw → error → response.
/// The allocation is held until the invocation ends, so it is resident during the sleep.
/// </summary>
internal sealed class ScriptRunner(int defaultStatsdPort, TimeProvider clock)
{
    /// <summary>How long past the deadline a "timeout" invocation sleeps; the platform must kill it before.</summary>
    public static readonly TimeSpan PastDeadline = TimeSpan.FromSeconds(3);

    /// <summary>Without a deadline header, "timeout" sleeps for Lambda's longest timeout.</summary>
    public static readonly TimeSpan NoDeadlineSleep = TimeSpan.FromSeconds(900);

    private int _invocations;

    public int Invocations => _invocations;

    public async Task<InvocationOutcome> RunAsync(Invocation invocation)
    {
        var number = Interlocked.Increment(ref _invocations);
        var parsed = EventScriptParser.Parse(invocation.Payload);
        foreach (var problem in parsed.Problems) Console.Error.WriteLine($"[test-function] {invocation.RequestId}: {problem}");
        var script = parsed.Script;

        foreach (var line in script.Log ?? []) Console.Out.WriteLine(line);
        foreach (var line in script.Stderr ?? []) Console.Error.WriteLine(line);
        Console.Out.Flush();

        int? statsdSent = script.Statsd is { Length: > 0 } lines
            ? StatsdSender.Send(lines, script.StatsdPort ?? defaultStatsdPort)
            : null;

        using var allocation = script.AllocateMb is > 0 and var mb ? TouchedAllocation.Allocate(mb) : null;

        if (script.SleepMs is > 0 and var sleepMs) await Task.Delay(TimeSpan.FromMilliseconds(sleepMs), clock);
        if (script.Timeout) await Task.Delay(TimeUntilPastDeadline(invocation.DeadlineUnixMs), clock);
        if (script.Crash) ProcessTermination.Crash();
        if (script.Exit is { } code) ProcessTermination.Exit(code);
        if (script.Throw) throw new InvalidOperationException("scripted exception (\"throw\":true)");
        if (script.Error is { } message)
        {
            var errorType = string.IsNullOrWhiteSpace(script.ErrorType) ? "Function.ScriptedError" : script.ErrorType;
            return InvocationOutcome.Failure(errorType, new RuntimeErrorBody(message, errorType, []));
        }

        var body = BuildResponse(invocation, parsed, number, allocation?.Megabytes, statsdSent);
        return InvocationOutcome.Success(Pad(body, script.ResponseBytes));
    }

    private TimeSpan TimeUntilPastDeadline(long? deadlineUnixMs)
    {
        if (deadlineUnixMs is not { } deadline) return NoDeadlineSleep;
        var remaining = TimeSpan.FromMilliseconds(deadline - clock.GetUtcNow().ToUnixTimeMilliseconds());
        return (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) + PastDeadline;
    }

    private static byte[] BuildResponse(Invocation invocation, ParsedEvent parsed, int number, int? allocatedMb, int? statsdSent)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", true);
            json.WriteString("requestId", invocation.RequestId);
            json.WriteNumber("invocation", number);
            json.WriteBoolean("coldStart", number == 1);
            if (allocatedMb is { } mb) json.WriteNumber("allocatedMb", mb);
            if (statsdSent is { } sent) json.WriteNumber("statsdSent", sent);
            if (parsed.Problems.Count > 0)
            {
                json.WriteStartArray("problems");
                foreach (var problem in parsed.Problems) json.WriteStringValue(problem);
                json.WriteEndArray();
            }
            if (parsed.Script.Echo)
            {
                json.WritePropertyName("echo");
                if (parsed.IsJson) json.WriteRawValue(invocation.Payload, skipInputValidation: false);
                else json.WriteStringValue(Encoding.UTF8.GetString(invocation.Payload));
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Grows the body to exactly <paramref name="responseBytes"/> bytes with a "padding" string, when it
    /// is that small; a smaller target leaves the body as it is.
    /// </summary>
    internal static byte[] Pad(byte[] body, int? responseBytes)
    {
        ReadOnlySpan<byte> open = ",\"padding\":\""u8;
        ReadOnlySpan<byte> close = "\"}"u8;
        if (responseBytes is not { } target) return body;
        var paddingLength = target - (body.Length - 1) - open.Length - close.Length;
        if (paddingLength < 0) return body;
        var padded = new byte[target];
        body.AsSpan(0, body.Length - 1).CopyTo(padded);
        var at = body.Length - 1;
        open.CopyTo(padded.AsSpan(at));
        at += open.Length;
        padded.AsSpan(at, paddingLength).Fill((byte)'x');
        at += paddingLength;
        close.CopyTo(padded.AsSpan(at));
        return padded;
    }
}
