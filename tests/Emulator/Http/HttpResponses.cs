using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Pulse.Emulator.Http;

/// <summary>Writes responses and reads bodies with a cap; every error body has the platform's shape.</summary>
internal static class HttpResponses
{
    public static readonly byte[] StatusOk = Encoding.UTF8.GetBytes("{\"status\":\"OK\"}");

    public static Task ErrorAsync(HttpListenerContext context, int status, string errorType, string message) =>
        WriteAsync(context, status, Encoding.UTF8.GetBytes(new JsonObject { ["errorMessage"] = message, ["errorType"] = errorType }.ToJsonString()));

    public static async Task WriteAsync(HttpListenerContext context, int status, byte[] body, string contentType = "application/json")
    {
        var response = context.Response;
        try
        {
            response.StatusCode = status;
            response.ContentType = contentType;
            response.ContentLength64 = body.Length;
            if (body.Length > 0) await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            try { response.Abort(); } catch { /* already gone */ }
        }
    }

    /// <summary>
    /// The body, or null when it is longer than <paramref name="limit"/>. An oversized body is still drained (up to a
    /// bound) so that the client reads the error status instead of a connection reset.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpListenerRequest request, long limit)
    {
        const long drainBound = 256L * 1024 * 1024;
        using var buffer = new MemoryStream(request.ContentLength64 is > 0 and < 8 * 1024 * 1024 ? (int)request.ContentLength64 : 256);
        var chunk = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var n = await request.InputStream.ReadAsync(chunk).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
            if (total > limit)
            {
                if (total > drainBound) return null;
                continue;
            }
            buffer.Write(chunk, 0, n);
        }
        return total > limit ? null : buffer.ToArray();
    }
}
