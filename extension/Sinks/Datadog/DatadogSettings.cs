namespace Pulse.Sinks.Datadog;

/// <summary>Settings of the datadog sink, read once from the environment (README in extension/Sinks/ lists them).</summary>
public sealed record DatadogSettings
{
    public const string DefaultSite = "datadoghq.com";
    public const string DistributionPointsPath = "/api/v1/distribution_points";

    public required Uri DistributionPointsUrl { get; init; }
    public required string ApiKey { get; init; }
    /// <summary>
    /// Content-Encoding deflate (the only compression the distribution points API documents). Off by default:
    /// a flush is a few kB, and the native compressor raised peak RSS by about 6 MB in the measurement.
    /// </summary>
    public bool Deflate { get; init; }

    /// <summary>
    /// Reads PULSE_DATADOG_API_KEY (else DD_API_KEY), PULSE_DATADOG_SITE (else DD_SITE), PULSE_DATADOG_URL and
    /// PULSE_DATADOG_COMPRESSION. Without a usable key the sink cannot work: null is returned with the
    /// reason in <paramref name="disabledReason"/>, for the caller to report in one line (the sink is
    /// disabled, the extension keeps running). Other bad values are logged and fall back to defaults.
    /// </summary>
    public static DatadogSettings? FromEnvironment(Func<string, string?> getVariable, Action<string> log, out string? disabledReason)
    {
        var apiKey = getVariable("PULSE_DATADOG_API_KEY")?.Trim();
        if (string.IsNullOrEmpty(apiKey)) apiKey = getVariable("DD_API_KEY")?.Trim();
        disabledReason = string.IsNullOrEmpty(apiKey) ? "no API key: set PULSE_DATADOG_API_KEY or DD_API_KEY"
            : apiKey.Any(c => c < ' ' || c > '~') ? "the API key holds characters that cannot go in an HTTP header"
            : null;
        if (disabledReason is not null || apiKey is null) return null;

        Uri? url = null;
        var rawUrl = getVariable("PULSE_DATADOG_URL")?.Trim();
        if (!string.IsNullOrEmpty(rawUrl))
        {
            if (Uri.TryCreate(rawUrl, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps))
                url = parsed.AbsolutePath is "" or "/" ? new Uri(parsed, DistributionPointsPath) : parsed;
            else
                log($"PULSE_DATADOG_URL='{rawUrl}' is not an absolute http(s) URL; using the site's intake");
        }
        url ??= new Uri($"https://api.{ReadSite(getVariable, log)}{DistributionPointsPath}");

        var deflate = false;
        var rawCompression = getVariable("PULSE_DATADOG_COMPRESSION")?.Trim();
        if (!string.IsNullOrEmpty(rawCompression))
        {
            if (rawCompression.Equals("deflate", StringComparison.OrdinalIgnoreCase)) deflate = true;
            else if (!rawCompression.Equals("none", StringComparison.OrdinalIgnoreCase))
                log($"PULSE_DATADOG_COMPRESSION='{rawCompression}' is not supported (deflate or none); using none");
        }
        return new DatadogSettings { DistributionPointsUrl = url, ApiKey = apiKey, Deflate = deflate };
    }

    private static string ReadSite(Func<string, string?> getVariable, Action<string> log)
    {
        var name = "PULSE_DATADOG_SITE";
        var site = getVariable(name)?.Trim();
        if (string.IsNullOrEmpty(site)) { name = "DD_SITE"; site = getVariable(name)?.Trim(); }
        if (string.IsNullOrEmpty(site)) return DefaultSite;
        site = site.ToLowerInvariant();
        if (site.StartsWith("api.", StringComparison.Ordinal)) site = site[4..];
        var valid = site.Contains('.') && site.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-') && !site.StartsWith('.') && !site.EndsWith('.');
        if (valid) return site;
        log($"{name}='{site}' is not a Datadog site such as datadoghq.com or datadoghq.eu; using {DefaultSite}");
        return DefaultSite;
    }
}
