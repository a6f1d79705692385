using System.Globalization;
using System.Net;
using System.Text;
using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Collection.Scrape;

/// <summary>
/// One endpoint a scrape pool scrapes: its labels after relabelling, the labels discovery gave it, its URL, and the
/// outcome of its last scrape.
/// </summary>
/// <remarks>Thread-safe: the scrape loop reports results while the HTTP API reads them.</remarks>
public sealed class ScrapeTarget
{
    private readonly object _lock = new();
    private LabelSet _discoveredLabels;
    private TargetHealth _health = TargetHealth.Unknown;
    private string _lastError = string.Empty;
    private DateTimeOffset? _lastScrape;
    private TimeSpan _lastScrapeDuration;
    private IReadOnlyList<MetricMetadata> _metadata = [];

    internal ScrapeTarget(string scrapePool, LabelSet labels, LabelSet discoveredLabels, IReadOnlyDictionary<string, IReadOnlyList<string>> parameters)
    {
        ScrapePool = scrapePool;
        Labels = labels;
        _discoveredLabels = discoveredLabels;
        PublicLabels = labels.Count == 0 ? labels : LabelSet.From(labels.Where(l => !l.Name.StartsWith(TargetLabelNames.ReservedPrefix, StringComparison.Ordinal)));
        Url = BuildUrl(labels, parameters);
        ScrapeInterval = PrometheusDuration.Parse(labels.Get(TargetLabelNames.ScrapeInterval));
        ScrapeTimeout = PrometheusDuration.Parse(labels.Get(TargetLabelNames.ScrapeTimeout));
        Hash = ComputeHash(labels, Url);
    }

    /// <summary>The job (scrape pool) the target belongs to.</summary>
    public string ScrapePool { get; }

    /// <summary>All labels after relabelling, including reserved <c>__</c> labels.</summary>
    public LabelSet Labels { get; }

    /// <summary>The labels attached to every series scraped from the target (no <c>__</c> labels).</summary>
    public LabelSet PublicLabels { get; }

    /// <summary>The labels before relabelling, as discovery gave them.</summary>
    public LabelSet DiscoveredLabels
    {
        get
        {
            lock (_lock)
            {
                return _discoveredLabels;
            }
        }
    }

    /// <summary>The URL scraped: scheme, address, metrics path and query parameters.</summary>
    public string Url { get; }

    /// <summary>The scrape interval (from <c>__scrape_interval__</c>).</summary>
    public TimeSpan ScrapeInterval { get; }

    /// <summary>The scrape timeout (from <c>__scrape_timeout__</c>).</summary>
    public TimeSpan ScrapeTimeout { get; }

    /// <summary>A hash of labels and URL that identifies the target and fixes its phase within the interval; stable across restarts.</summary>
    public ulong Hash { get; }

    /// <summary>The health after the last scrape.</summary>
    public TargetHealth Health
    {
        get
        {
            lock (_lock)
            {
                return _health;
            }
        }
    }

    /// <summary>Why the last scrape failed, or empty.</summary>
    public string LastError
    {
        get
        {
            lock (_lock)
            {
                return _lastError;
            }
        }
    }

    /// <summary>When the last scrape started, or null before the first.</summary>
    public DateTimeOffset? LastScrape
    {
        get
        {
            lock (_lock)
            {
                return _lastScrape;
            }
        }
    }

    /// <summary>How long the last scrape took.</summary>
    public TimeSpan LastScrapeDuration
    {
        get
        {
            lock (_lock)
            {
                return _lastScrapeDuration;
            }
        }
    }

    /// <summary>The metric metadata the target declared in its last successful scrape.</summary>
    public IReadOnlyList<MetricMetadata> Metadata
    {
        get
        {
            lock (_lock)
            {
                return _metadata;
            }
        }
    }

    internal void SetDiscoveredLabels(LabelSet labels)
    {
        lock (_lock)
        {
            _discoveredLabels = labels;
        }
    }

    internal void Report(DateTimeOffset start, TimeSpan duration, string? error)
    {
        lock (_lock)
        {
            _health = error is null ? TargetHealth.Up : TargetHealth.Down;
            _lastError = error ?? string.Empty;
            _lastScrape = start;
            _lastScrapeDuration = duration;
        }
    }

    internal void SetMetadata(IReadOnlyList<MetricMetadata> metadata)
    {
        lock (_lock)
        {
            _metadata = metadata;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Url;

    private static string BuildUrl(LabelSet labels, IReadOnlyDictionary<string, IReadOnlyList<string>> parameters)
    {
        var query = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in parameters)
        {
            query[name] = [.. values];
        }
        foreach (var l in labels.AsSpan())
        {
            if (!l.Name.StartsWith(TargetLabelNames.ParamPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            string name = l.Name[TargetLabelNames.ParamPrefix.Length..];
            if (query.TryGetValue(name, out var existing) && existing.Count > 0)
            {
                existing[0] = l.Value;
            }
            else
            {
                query[name] = [l.Value];
            }
        }
        var sb = new StringBuilder();
        sb.Append(labels.Get(TargetLabelNames.Scheme)).Append("://").Append(labels.Get(TargetLabelNames.Address));
        string path = labels.Get(TargetLabelNames.MetricsPath);
        if (!path.StartsWith('/'))
        {
            sb.Append('/');
        }
        sb.Append(path);
        char separator = '?';
        foreach (var (name, values) in query)
        {
            foreach (string v in values)
            {
                sb.Append(separator).Append(WebUtility.UrlEncode(name)).Append('=').Append(WebUtility.UrlEncode(v));
                separator = '&';
            }
        }
        return sb.ToString();
    }

    /// <summary>FNV-1a over the labels and URL: unlike <see cref="LabelSet.Hash"/> it is the same in every process.</summary>
    private static ulong ComputeHash(LabelSet labels, string url)
    {
        ulong h = 14695981039346656037UL;
        foreach (var l in labels.AsSpan())
        {
            h = Fnv(h, l.Name);
            h = Fnv(h, "\u00ff");
            h = Fnv(h, l.Value);
            h = Fnv(h, "\u00fe");
        }
        return Fnv(h, url);

        static ulong Fnv(ulong h, string s)
        {
            foreach (char c in s)
            {
                h = (h ^ (byte)c) * 1099511628211UL;
                h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
            }
            return h;
        }
    }

    internal static string FormatSeconds(TimeSpan t) => t.TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
}
