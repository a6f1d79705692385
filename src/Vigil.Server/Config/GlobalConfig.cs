using Vigil.Collection.Scrape;
using Vigil.Core.Labels;

namespace Vigil.Server.Config;

/// <summary>The <c>global:</c> section: defaults for every scrape job and rule group, and the server's external labels.</summary>
public sealed record GlobalConfig
{
    /// <summary>Prometheus's default scrape interval: 1m.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = ScrapeConfig.DefaultScrapeInterval;

    /// <summary>Prometheus's default scrape timeout: 10s.</summary>
    public static readonly TimeSpan DefaultScrapeTimeout = ScrapeConfig.DefaultScrapeTimeout;

    /// <summary>Prometheus's default rule evaluation interval: 1m.</summary>
    public static readonly TimeSpan DefaultEvaluationInterval = TimeSpan.FromMinutes(1);

    /// <summary>How often targets are scraped unless a job says otherwise.</summary>
    public TimeSpan ScrapeInterval { get; init; } = DefaultScrapeInterval;

    /// <summary>How long a scrape may take unless a job says otherwise (never more than <see cref="ScrapeInterval"/>).</summary>
    public TimeSpan ScrapeTimeout { get; init; } = DefaultScrapeTimeout;

    /// <summary>How often rule groups are evaluated unless a group says otherwise.</summary>
    public TimeSpan EvaluationInterval { get; init; } = DefaultEvaluationInterval;

    /// <summary>Labels added to data leaving this server (alerts, remote write, federation), not to local series.</summary>
    public LabelSet ExternalLabels { get; init; } = LabelSet.Empty;
}
