using System.Globalization;

namespace Vigil.Collection.Collectors.Probe;

/// <summary>One network probe of the <c>probe</c> collector: a TCP connect, an HTTP(S) GET or a DNS lookup, run on its own interval.</summary>
/// <remarks>
/// One entry of <c>collectors.probe</c> in <c>vigil.yaml</c>; set exactly one of <c>tcp</c>, <c>http</c>, <c>dns</c>:
/// <code>
/// collectors:
///   probe:
///     - tcp: db.internal:5432
///     - http: https://shop.example.com/health
///       valid_status_codes: [200, 204]
///       ca_file: /etc/ssl/internal-ca.pem     # or insecure_skip_verify: true
///     - dns: shop.example.com
///       interval: 30s
///       timeout: 3s
/// </code>
/// Durations are Prometheus durations (<c>15s</c>, <c>1m</c>).
/// </remarks>
public sealed class ProbeCollectorOptions
{
    /// <summary><c>tcp</c>: <c>host:port</c> to connect to (IPv6 literals in brackets, <c>[::1]:80</c>).</summary>
    public string? Tcp { get; set; }

    /// <summary><c>http</c>: an absolute <c>http://</c> or <c>https://</c> URL to GET (redirects are followed).</summary>
    public string? Http { get; set; }

    /// <summary><c>dns</c>: a host name to resolve with the system resolver.</summary>
    public string? Dns { get; set; }

    /// <summary><c>interval</c>: how often to probe; 15 s by default.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>timeout</c>: how long one probe may take before it counts as failed; 5 s by default, at most the interval.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>valid_status_codes</c>: HTTP status codes that count as success; empty means any 2xx.</summary>
    public List<int> ValidStatusCodes { get; set; } = [];

    /// <summary><c>insecure_skip_verify</c>: accept any HTTPS server certificate (its expiry is still reported).</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary><c>ca_file</c>: a PEM file of CA certificates to trust for HTTPS instead of the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary><c>buckets</c>: upper bounds in seconds of the <c>probe_duration_seconds</c> histogram; Prometheus's defaults when empty.</summary>
    public List<double> Buckets { get; set; } = [];

    /// <summary>The probe kind, <c>tcp</c>, <c>http</c> or <c>dns</c> (valid options only).</summary>
    internal string Module => Tcp is not null ? "tcp" : Http is not null ? "http" : "dns";

    /// <summary>What is probed, as configured (valid options only).</summary>
    internal string Target => Tcp ?? Http ?? Dns ?? string.Empty;

    /// <summary>The first problem with these options, naming the key, or null when they are valid.</summary>
    public string? Validate()
    {
        int kinds = (Tcp is null ? 0 : 1) + (Http is null ? 0 : 1) + (Dns is null ? 0 : 1);
        if (kinds != 1)
        {
            return kinds == 0 ? "one of tcp, http or dns is required" : "set only one of tcp, http or dns per probe";
        }
        if (Tcp is not null && !TryParseHostPort(Tcp, out _, out _))
        {
            return $"tcp: \"{Tcp}\" is not host:port with a port from 1 to 65535";
        }
        if (Http is not null && !(Uri.TryCreate(Http, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            return $"http: \"{Http}\" is not an absolute http:// or https:// URL";
        }
        if (Dns is not null && (Dns.Length == 0 || Uri.CheckHostName(Dns) == UriHostNameType.Unknown))
        {
            return $"dns: \"{Dns}\" is not a host name";
        }
        if (Interval <= TimeSpan.Zero)
        {
            return "interval: must be positive";
        }
        if (Timeout <= TimeSpan.Zero || Timeout > Interval)
        {
            return "timeout: must be positive and at most the interval";
        }
        foreach (int code in ValidStatusCodes)
        {
            if (code is < 100 or > 599)
            {
                return $"valid_status_codes: {code.ToString(CultureInfo.InvariantCulture)} is not an HTTP status code";
            }
        }
        foreach (double b in Buckets)
        {
            if (double.IsNaN(b) || b <= 0)
            {
                return "buckets: every bound must be a positive number of seconds";
            }
        }
        if (CaFile is not null && InsecureSkipVerify)
        {
            return "ca_file and insecure_skip_verify exclude each other";
        }
        if ((CaFile is not null || InsecureSkipVerify) && Http is null)
        {
            return "ca_file and insecure_skip_verify apply to http probes only";
        }
        return null;
    }

    /// <summary>Splits <c>host:port</c>; IPv6 literals may be bracketed.</summary>
    internal static bool TryParseHostPort(string text, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }
        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return host.Length > 0 && !host.Contains(' ', StringComparison.Ordinal);
    }
}
