namespace Vigil.Collection.Scrape;

/// <summary>Prometheus's reserved target label names and prefixes.</summary>
public static class TargetLabelNames
{
    /// <summary>The target's host:port.</summary>
    public const string Address = "__address__";

    /// <summary>The target's URL scheme.</summary>
    public const string Scheme = "__scheme__";

    /// <summary>The target's metrics path.</summary>
    public const string MetricsPath = "__metrics_path__";

    /// <summary>The target's scrape interval.</summary>
    public const string ScrapeInterval = "__scrape_interval__";

    /// <summary>The target's scrape timeout.</summary>
    public const string ScrapeTimeout = "__scrape_timeout__";

    /// <summary>Prefix of labels that become URL query parameters.</summary>
    public const string ParamPrefix = "__param_";

    /// <summary>Prefix of discovery metadata labels, removed after relabelling.</summary>
    public const string MetaPrefix = "__meta_";

    /// <summary>Prefix of all reserved labels, not attached to scraped series.</summary>
    public const string ReservedPrefix = "__";

    /// <summary>The job label.</summary>
    public const string Job = "job";

    /// <summary>The instance label.</summary>
    public const string Instance = "instance";

    /// <summary>Prefix given to scraped labels that clash with target labels.</summary>
    public const string ExportedPrefix = "exported_";
}
