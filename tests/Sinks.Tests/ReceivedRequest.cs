using System.IO.Compression;

namespace Pulse.Sinks.Tests;

/// <summary>One HTTP request as the scripted receiver read it off the wire.</summary>
internal sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int ConnectionId, int IndexOnConnection)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string ContentEncoding => Header("Content-Encoding") ?? "identity";

    /// <summary>The body with its Content-Encoding undone.</summary>
    public byte[] DecodedBody()
    {
        Stream? decoder = ContentEncoding switch
        {
            "gzip" => new GZipStream(new MemoryStream(Body), CompressionMode.Decompress),
            "deflate" => new ZLibStream(new MemoryStream(Body), CompressionMode.Decompress),
            _ => null,
        };
        if (decoder is null) return Body;
        using (decoder)
        {
            using var output = new MemoryStream();
            decoder.CopyTo(output);
            return output.ToArray();
        }
    }
}
