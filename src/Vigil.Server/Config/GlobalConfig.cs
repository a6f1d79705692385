using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Server.Config;

/// <summary>The <c>global:</c> section: defaults for every scrape job and rule group, and the server's external labels.</summary>
public sealed class GlobalConfig
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

    internal static GlobalConfig Parse(ConfigReader r, ConfigEntry section)
    {
        TimeSpan? interval = null, timeout = null, evaluation = null;
        var external = LabelSet.Empty;
        ConfigEntry? timeoutEntry = null;
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "scrape_interval":
                    interval = PositiveDuration(r, e);
                    break;
                case "scrape_timeout":
                    timeout = PositiveDuration(r, e);
                    timeoutEntry = e;
                    break;
                case "evaluation_interval":
                    evaluation = PositiveDuration(r, e);
                    break;
                case "external_labels":
                    external = LabelsFromMap(r, e, allowReserved: false);
                    break;
                case "scrape_protocols" or "rule_query_offset" or "query_log_file" or "scrape_failure_log_file" or "body_size_limit" or "sample_limit"
                    or "label_limit" or "label_name_length_limit" or "label_value_length_limit" or "target_limit" or "keep_dropped_targets"
                    or "metric_name_validation_scheme" or "metric_name_escaping_scheme" or "always_scrape_classic_histograms" or "convert_classic_histograms_to_nhcb":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        var effectiveInterval = interval ?? DefaultScrapeInterval;
        TimeSpan effectiveTimeout;
        if (timeout is { } t)
        {
            effectiveTimeout = t;
            if (t > effectiveInterval && timeoutEntry is { } te)
            {
                r.Error(te.Value, $"global scrape timeout ({PrometheusDuration.Format(t)}) greater than scrape interval ({PrometheusDuration.Format(effectiveInterval)})");
            }
        }
        else
        {
            effectiveTimeout = DefaultScrapeTimeout > effectiveInterval ? effectiveInterval : DefaultScrapeTimeout;
        }
        return new GlobalConfig
        {
            ScrapeInterval = effectiveInterval,
            ScrapeTimeout = effectiveTimeout,
            EvaluationInterval = evaluation ?? DefaultEvaluationInterval,
            ExternalLabels = external,
        };
    }

    internal static TimeSpan? PositiveDuration(ConfigReader r, ConfigEntry e)
    {
        var d = r.Duration(e);
        if (d == TimeSpan.Zero)
        {
            r.Invalid(e, "must be greater than 0s");
            return null;
        }
        return d;
    }

    /// <summary>A mapping of label names to values, each name checked.</summary>
    internal static LabelSet LabelsFromMap(ConfigReader r, ConfigEntry e, bool allowReserved)
    {
        var labels = new List<Label>();
        foreach (var (name, value, item) in r.StringMap(e))
        {
            bool reserved = name.StartsWith("__", StringComparison.Ordinal);
            if (!LabelValidation.IsValidName(name) || (reserved && !allowReserved))
            {
                r.Error(item.KeyNode, $"\"{name}\" is not a valid label name in {e.Path}{(reserved ? " (names starting with __ are reserved)" : string.Empty)}");
                continue;
            }
            if (value.Length != 0)
            {
                labels.Add(new Label(name, value));
            }
        }
        return LabelSet.From(labels);
    }
}
