using Pulse.Metrics;

namespace Pulse.Flushing;

/// <summary>Payload helpers shared by the network sinks, independent of any wire format.</summary>
internal static class NetworkPayloads
{
    /// <summary>
    /// NaN and infinities have no JSON form and no meaning for a backend: they are left out, with one log
    /// line per sink (the producer has a bug worth reporting, the batch is still worth sending).
    /// </summary>
    public static IReadOnlyList<MetricPoint> WithoutNonFinite(IReadOnlyList<MetricPoint> points, string sinkName, ref int logged, Action<string> log)
    {
        var bad = 0;
        foreach (var point in points) if (!double.IsFinite(point.Value)) bad++;
        if (bad == 0) return points;
        if (Interlocked.Exchange(ref logged, 1) == 0)
            log($"sink {sinkName}: left out {bad} points with a non-finite value (first: {points.First(p => !double.IsFinite(p.Value)).Metric.Name}); later ones are left out silently");
        return points.Where(p => double.IsFinite(p.Value)).ToList();
    }

    public static byte[] Compress(byte[] body, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream(body.Length / 2 + 64);
        using (var stream = compressor(output)) stream.Write(body);
        return output.ToArray();
    }
}
