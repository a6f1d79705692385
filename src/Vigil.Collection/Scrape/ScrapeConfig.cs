using Vigil.Collection.Discovery;
using Vigil.Collection.Relabel;
using Vigil.Core.Config;

namespace Vigil.Collection.Scrape;

/// <summary>One entry of <c>scrape_configs</c>: a job, how to scrape its targets, where they come from, and limits.</summary>
/// <remarks>Prometheus's format and defaults; a Prometheus key that Vigil does not implement is an error. Immutable.</remarks>
public sealed class ScrapeConfig
{
    /// <summary>Prometheus's default scrape interval: 1m.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Prometheus's default scrape timeout: 10s.</summary>
    public static readonly TimeSpan DefaultScrapeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The job name: the <c>job</c> label of the job's targets and the scrape pool's name.</summary>
    public required string JobName { get; init; }

    /// <summary>How often each target is scraped (the global default unless set).</summary>
    public TimeSpan ScrapeInterval { get; init; } = DefaultScrapeInterval;

    /// <summary>How long one scrape may take (never more than <see cref="ScrapeInterval"/>).</summary>
    public TimeSpan ScrapeTimeout { get; init; } = DefaultScrapeTimeout;

    /// <summary>The HTTP path of the metrics; <c>/metrics</c> by default.</summary>
    public string MetricsPath { get; init; } = "/metrics";

    /// <summary><c>http</c> (default) or <c>https</c>.</summary>
    public string Scheme { get; init; } = "http";

    /// <summary>URL query parameters of every scrape request.</summary>
    [Secret("params")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Params { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>True to keep labels exposed by the target when they clash with target labels (false renames them <c>exported_*</c>).</summary>
    public bool HonorLabels { get; init; }

    /// <summary>True (default) to keep timestamps exposed by the target; false stamps every sample with the scrape time.</summary>
    public bool HonorTimestamps { get; init; } = true;

    /// <summary>True to give series with explicit timestamps staleness markers too when they disappear.</summary>
    public bool TrackTimestampsStaleness { get; init; }

    /// <summary>True (default) to ask for gzip-compressed responses.</summary>
    public bool EnableCompression { get; init; } = true;

    /// <summary>True (default) to follow HTTP redirects.</summary>
    public bool FollowRedirects { get; init; } = true;

    /// <summary>HTTP basic authentication, or null.</summary>
    public BasicAuthConfig? BasicAuth { get; init; }

    /// <summary>The <c>Authorization</c> header (bearer token), or null.</summary>
    public AuthorizationConfig? Authorization { get; init; }

    /// <summary>TLS settings for https targets.</summary>
    public TlsConfig Tls { get; init; } = TlsConfig.None;

    /// <summary>The <c>static_configs</c> target groups.</summary>
    public IReadOnlyList<TargetGroup> StaticConfigs { get; init; } = [];

    /// <summary>The <c>file_sd_configs</c>.</summary>
    public IReadOnlyList<FileSdConfig> FileSdConfigs { get; init; } = [];

    /// <summary>Relabelling of discovered targets, before scraping.</summary>
    public IReadOnlyList<RelabelConfig> RelabelConfigs { get; init; } = [];

    /// <summary>Relabelling of scraped series, before storing.</summary>
    public IReadOnlyList<RelabelConfig> MetricRelabelConfigs { get; init; } = [];

    /// <summary>More samples than this (after metric relabelling) fail the scrape; 0 for no limit.</summary>
    public long SampleLimit { get; init; }

    /// <summary>A series with more labels than this fails the scrape; 0 for no limit.</summary>
    public long LabelLimit { get; init; }

    /// <summary>A label name longer than this fails the scrape; 0 for no limit.</summary>
    public long LabelNameLengthLimit { get; init; }

    /// <summary>A label value longer than this fails the scrape; 0 for no limit.</summary>
    public long LabelValueLengthLimit { get; init; }

    /// <summary>An uncompressed body of this many bytes or more fails the scrape; 0 for no limit.</summary>
    public long BodySizeLimit { get; init; }

    /// <summary>A canonical form of the job's settings, equal for equal configurations (used to keep unchanged jobs on reload).</summary>
    internal string Fingerprint { get; init; } = string.Empty;

    /// <summary>Prometheus's check of a target address: a host and optional port, no scheme or path.</summary>
    internal static string? CheckTargetAddress(string address)
    {
        if (address.Length == 0)
        {
            return "empty target address";
        }
        if (address.Contains('/', StringComparison.Ordinal))
        {
            return $"\"{address}\" is not a valid hostname (a target is host:port; set scheme and metrics_path separately)";
        }
        return null;
    }
}
