using Vigil.Core.Model;
using Vigil.Server.Config.Binding;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>The <c>global:</c> section's keys, declared onto <see cref="GlobalConfig"/>.</summary>
internal static class GlobalSchema
{
    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<GlobalConfig> Root = new ConfigSchema<GlobalConfig>()
        .Key("scrape_interval", PositiveDuration, (o, v) => o with { ScrapeInterval = v })
        .Key("scrape_timeout", PositiveDuration, (o, v) => o with { ScrapeTimeout = v })
        .Key("evaluation_interval", PositiveDuration, (o, v) => o with { EvaluationInterval = v })
        .Key("external_labels", LabelMap(allowReserved: false), (o, v) => o with { ExternalLabels = v })
        .Unsupported("scrape_protocols", "rule_query_offset", "query_log_file", "scrape_failure_log_file", "body_size_limit", "sample_limit",
            "label_limit", "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
            "metric_name_validation_scheme", "metric_name_escaping_scheme", "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb")
        .Finish(b =>
        {
            var o = b.Value;
            if (!b.Bound("scrape_timeout"))
            {
                // Note: as in Prometheus, the default timeout never exceeds the interval.
                return o with { ScrapeTimeout = GlobalConfig.DefaultScrapeTimeout > o.ScrapeInterval ? o.ScrapeInterval : GlobalConfig.DefaultScrapeTimeout };
            }
            if (o.ScrapeTimeout > o.ScrapeInterval)
            {
                var timeout = b.Entries.Last(e => e.Key == "scrape_timeout");
                b.Reader.Error(timeout.Value,
                    $"global scrape timeout ({PrometheusDuration.Format(o.ScrapeTimeout)}) greater than scrape interval ({PrometheusDuration.Format(o.ScrapeInterval)})");
            }
            return o;
        });

    /// <summary>Reads the section; problems are recorded in <paramref name="r"/>.</summary>
    public static GlobalConfig Parse(ConfigReader r, ConfigEntry section) => Root.Bind(r, section.Value, section.Key, new GlobalConfig())!;
}
