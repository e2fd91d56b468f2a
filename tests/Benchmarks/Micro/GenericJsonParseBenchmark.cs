using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Pulse.Benchmarks.Micro;

/// <summary>
/// The baseline of the parse figure: the same batch read with System.Text.Json's DOM (JsonDocument),
/// touching every envelope's type and record — what a straightforward listener would do.
/// </summary>
[MemoryDiagnoser]
public class GenericJsonParseBenchmark
{
    public const int Invocations = 25;
    private byte[] _batch = [];

    [GlobalSetup]
    public void Setup() => _batch = TelemetryBatches.Build(Invocations);

    [Benchmark]
    public int ParseWithJsonDocument()
    {
        using var document = JsonDocument.Parse(_batch);
        var seen = 0;
        foreach (var envelope in document.RootElement.EnumerateArray())
        {
            if (envelope.TryGetProperty("type", out var type) && type.GetString() is { Length: > 0 }
                && envelope.TryGetProperty("record", out var record) && record.ValueKind != JsonValueKind.Undefined)
            {
                seen++;
            }
        }
        return seen;
    }
}
