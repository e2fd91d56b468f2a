using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Pulse.Sinks;

namespace Pulse.Flushing;

/// <summary>
/// The HTTP side shared by network sinks: a SocketsHttpHandler client tuned for a sandbox that freezes,
/// one POST with a single retry on a fresh connection when a kept-alive one died while frozen, and the
/// mapping of an answer to an <see cref="ExportResult"/>. Never throws for a remote failure.
/// </summary>
public static class NetworkHttpTransport
{
    private const int MaxErrorBodyChars = 200;

    /// <summary>
    /// A client for one sink. The idle timeout is short because a connection idle across a freeze is likely
    /// dead on thaw (servers close idle connections); the lifetime bounds DNS staleness. No automatic
    /// decompression (it would link Brotli, about 1 MB), no redirects (a POST must not silently move),
    /// no client-wide timeout (every request carries its own deadline).
    /// </summary>
    public static HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxConnectionsPerServer = 4,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// POSTs <paramref name="body"/>; a failure on an established connection (reset, closed before the
    /// answer: what a freeze does to a kept-alive connection) is retried once, which takes a fresh connection
    /// because the pool discards the broken one. A refused connection is not retried (the backend is down).
    /// </summary>
    /// <param name="readSuccess">Reads a 2xx answer's body (at most <see cref="MaxSuccessBodyBytes"/>, decompressed) when the
    /// protocol reports partial acceptance in it; without it a 2xx is a plain success.</param>
    public static async Task<ExportResult> PostAsync(HttpClient client, Uri url, byte[] body, string contentType,
        string? contentEncoding, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken,
        Func<byte[], ExportResult>? readSuccess = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            if (contentEncoding is not null) content.Headers.ContentEncoding.Add(contentEncoding);
            request.Content = content;
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (readSuccess is not null && response.IsSuccessStatusCode)
                    return readSuccess(await ReadSuccessBodyAsync(response, cancellationToken).ConfigureAwait(false));
                return await MapResponseAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (attempt == 0 && IsBrokenEstablishedConnection(ex) && !cancellationToken.IsCancellationRequested)
            {
                continue;
            }
            catch (HttpRequestException ex)
            {
                return new ExportResult(ExportStatus.Retryable, Describe(ex));
            }
        }
    }

    /// <summary>
    /// 2xx: delivered. 408, 429 and 5xx: the backend may accept the same payload later. 413: too large, the
    /// delivery splits it. Any other status (400 bad payload, 401/403 bad key, 404 wrong URL, a redirect) cannot
    /// succeed by repeating it.
    /// </summary>
    public static async Task<ExportResult> MapResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        if (code is >= 200 and < 300) return ExportResult.Ok;
        var detail = $"HTTP {code} {response.ReasonPhrase}".TrimEnd() + await ReadErrorSnippetAsync(response, cancellationToken).ConfigureAwait(false);
        if (code == 413) return new ExportResult(ExportStatus.TooLarge, detail);
        var retryable = code is 408 or 429 or >= 500;
        return new ExportResult(retryable ? ExportStatus.Retryable : ExportStatus.Rejected, detail, retryable ? RetryAfter(response) : null);
    }

    /// <summary>Largest 2xx body read for partial-success details; a larger one is cut (its details are then unread).</summary>
    public const int MaxSuccessBodyBytes = 64 * 1024;

    private static async Task<byte[]> ReadSuccessBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var raw = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var gzip = response.Content.Headers.ContentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase);
            await using var stream = gzip ? new System.IO.Compression.GZipStream(raw, System.IO.Compression.CompressionMode.Decompress) : raw;
            var buffer = new byte[MaxSuccessBodyBytes];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
            return buffer.AsSpan(0, read).ToArray();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidDataException)
        {
            // The request was accepted; only the details of a partial acceptance are lost.
            return [];
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta > TimeSpan.Zero ? delta : null;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : null;
        }
        return null;
    }

    private static async Task<string> ReadErrorSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // Bounded read: an error body is only worth a log line, and it may be huge or never end.
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyChars * 2];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
            if (read == 0) return "";
            var text = Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
            if (text.Length > MaxErrorBodyChars) text = text[..MaxErrorBodyChars] + "…";
            return text.Length == 0 ? "" : $": {text}";
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static bool IsBrokenEstablishedConnection(HttpRequestException ex)
    {
        if (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError) return false;
        if (ex.HttpRequestError is HttpRequestError.ResponseEnded) return true;
        for (Exception? inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return false;
            if (inner is IOException or SocketException) return true;
        }
        return false;
    }

    private static string Describe(HttpRequestException ex)
    {
        var root = ex.InnerException?.InnerException ?? ex.InnerException;
        var kind = ex.HttpRequestError.ToString();
        return root is null ? $"{kind}: {ex.Message}" : $"{kind}: {root.Message}";
    }

    /// <summary>Parses "k=v,k2=v2" (OTel exporter header syntax; values may be percent-encoded). Bad entries are reported, not fatal.</summary>
    public static List<KeyValuePair<string, string>> ParseHeaderList(string? raw, string variableName, Action<string> log)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(raw)) return headers;
        foreach (var entry in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=');
            var name = eq > 0 ? entry[..eq].Trim() : "";
            var value = eq > 0 ? Uri.UnescapeDataString(entry[(eq + 1)..].Trim()) : "";
            if (name.Length == 0 || !IsToken(name) || value.Any(c => c is '\r' or '\n'))
            {
                // Never echo the value: it is usually an API key.
                log($"{variableName}: ignoring a malformed header entry '{(eq > 0 ? entry[..eq] : "(no '=')")}'; expected name=value");
                continue;
            }
            headers.Add(new(name, value));
        }
        return headers;
    }

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c)) return false;
        }
        return true;
    }
}
