using Vigil.Analysis.Anomaly;
using Vigil.Analysis.Insights;
using Vigil.PromQL.Parser;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The <c>analysis:</c> section's keys, declared onto <see cref="AnalysisConfig"/>: besides types and ranges it checks
/// selectors, PromQL, detector names and parameters — each an error naming file, line, column and the key's place
/// (<c>analysis.insights.trend.p_value</c>).
/// </summary>
internal static class AnalysisSchema
{
    private const string Section = "analysis";

    /// <summary>A detector and its parameters, as <c>detector: NAME</c> or <c>detector: { name: NAME, parameters: { key: number } }</c>.</summary>
    private sealed record DetectorChoice(string Name, IReadOnlyDictionary<string, double> Parameters);

    private static readonly ConfigSchema<DetectorChoice> DetectorMapping = new ConfigSchema<DetectorChoice>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Custom("parameters", (r, e, o) =>
        {
            var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var item in r.Mapping(e.Value, e.Path))
            {
                if (r.Number(item, double.MinValue, double.MaxValue) is { } v)
                {
                    parameters[item.Key] = v;
                }
            }
            return o with { Parameters = parameters };
        })
        .Finish(b =>
        {
            if (b.Value.Name.Length == 0)
            {
                b.Error($"{b.Where} needs a name (one of {string.Join(", ", DetectorFactory.Names)})");
                return null;
            }
            return b.Value;
        });

    private static readonly ConfigValue<DetectorChoice> DetectorValue = ((ConfigValue<DetectorChoice>)((ConfigReader r, ConfigEntry e, out DetectorChoice value) =>
    {
        value = e.Value is YamlScalarNode
            ? (r.String(e) is { Length: > 0 } name ? new DetectorChoice(name, new Dictionary<string, double>()) : null!)
            : DetectorMapping.Bind(r, e, new DetectorChoice(string.Empty, new Dictionary<string, double>(StringComparer.Ordinal)))!;
        return value is not null;
    })).Check(d =>
    {
        try
        {
            // Note: the detector validates its own parameters (names and ranges), so the messages match what it accepts.
            DetectorFactory.Create(d.Name, d.Parameters);
            return null;
        }
        catch (ArgumentException ex)
        {
            return Core.Diagnostics.UserMessage.Of(ex);
        }
    });

    private static readonly ConfigItem<AnalysisSelector> Selector = (ConfigReader r, YamlNode node, string where, out AnalysisSelector value) =>
    {
        value = null!;
        if (r.ScalarItem(node, where, "a series selector such as '{job=\"shop\"}'") is not { } text)
        {
            return false;
        }
        try
        {
            var matchers = PromQLParser.ParseMetricSelector(text).ToList();
            if (matchers.All(m => m.MatchesEmpty))
            {
                r.Error(node, $"invalid selector \"{text}\" in {where}: it must contain at least one matcher that does not match the empty string");
                return false;
            }
            value = new AnalysisSelector(text, matchers);
            return true;
        }
        catch (PromQLParseException ex)
        {
            r.Error(node, $"invalid selector \"{text}\" in {where}: {ex.Message}");
            return false;
        }
    };

    private static readonly ConfigSchema<AnalysisQueryConfig> TrendQuery = new ConfigSchema<AnalysisQueryConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("kind", OneOf(("latency", "latency"), ("errors", "errors"), ("saturation", "saturation")), (o, v) => o with { Kind = v })
        .Key("query", PromQLExpr, (o, v) => o with { Query = v })
        .Finish(b =>
        {
            if (b.Value.Name.Length == 0 || !b.Bound("kind") || !b.Bound("query"))
            {
                b.Error($"{b.Where} needs a name, a kind (latency, errors or saturation) and a query");
                return null;
            }
            return b.Value;
        });

    private static readonly ConfigSchema<AnalysisCapacityConfig> CapacityResource = new ConfigSchema<AnalysisCapacityConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("usage", PromQLExpr, (o, v) => o with { Usage = v })
        .Key("limit", PromQLExpr, (o, v) => o with { Limit = v })
        .Finish(b =>
        {
            if (b.Value.Name.Length == 0 || !b.Bound("usage") || !b.Bound("limit"))
            {
                b.Error($"{b.Where} needs a name, a usage query and a limit query");
                return null;
            }
            return b.Value;
        });

    private static readonly ConfigSchema<AnalysisInsightsConfig> Insights = new ConfigSchema<AnalysisInsightsConfig>()
        .Key("enabled", Bool, (o, v) => o with { Enabled = v })
        .Key("interval", PositiveDuration, (o, v) => o with { Interval = v })
        .Key("window", PositiveDuration, (o, v) => o with { Window = v })
        .Key("min_confidence", Number(0, 1), (o, v) => o with { MinConfidence = v })
        .Key("history_limit", PositiveInt, (o, v) => o with { HistoryLimit = v })
        .Key("retention", PositiveDuration, (o, v) => o with { Retention = v })
        .Group("trend", new ConfigSchema<AnalysisInsightsConfig>()
            .Key("p_value", Number(0.0001, 0.5), (o, v) => o with { TrendPValue = v })
            .Key("min_change", Number(0, 1000), (o, v) => o with { TrendMinChange = v })
            .Key("queries", ListOf(TrendQuery.Item(() => new(string.Empty, string.Empty, string.Empty))), (o, v) => o with { TrendQueries = v }))
        .Group("bottleneck", new ConfigSchema<AnalysisInsightsConfig>()
            .Key("utilization", Number(0.01, 1), (o, v) => o with { Utilization = v })
            .Key("min_correlation", Number(0, 1), (o, v) => o with { MinCorrelation = v })
            .Key("include_self", Bool, (o, v) => o with { BottleneckIncludeSelf = v }))
        .Group("capacity", new ConfigSchema<AnalysisInsightsConfig>()
            .Key("window", PositiveDuration, (o, v) => o with { CapacityWindow = v })
            .Key("horizon", PositiveDuration, (o, v) => o with { CapacityHorizon = v })
            .Key("resources", ListOf(CapacityResource.Item(() => new(string.Empty, string.Empty, string.Empty))), (o, v) => o with { CapacityResources = v }))
        .Group("anomaly", new ConfigSchema<AnalysisInsightsConfig>()
            .Key("min_series", PositiveInt, (o, v) => o with { AnomalyMinSeries = v })
            .Key("min_score_alone", Number(0, 1), (o, v) => o with { AnomalyMinScoreAlone = v }));

    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<AnalysisConfig> Root = new ConfigSchema<AnalysisConfig>()
        .Key("enabled", Bool, (o, v) => o with { Enabled = v })
        .Key("evaluation_interval", PositiveDuration, (o, v) => o with { EvaluationInterval = v })
        .Key("detector", DetectorValue, (o, v) => o with { Detector = v.Name, DetectorParameters = v.Parameters })
        .Key("threshold", Number(0.001, 1), (o, v) => o with { Threshold = v })
        .Key("hold", Duration, (o, v) => o with { Hold = v })
        .Key("builtin_series", Bool, (o, v) => o with { BuiltinSeries = v })
        .Key("selectors", ListOf(Selector), (o, v) => o with { Selectors = v })
        .Key("max_series", PositiveInt, (o, v) => o with { MaxSeries = v })
        .Key("warmup", Duration, (o, v) => o with { Warmup = v })
        .Key("state_save_interval", PositiveDuration, (o, v) => o with { StateSaveInterval = v })
        .Key("insights", Insights.Value(() => new()), (o, v) => o with { Insights = v });

    /// <summary>Reads the section; problems are recorded in <paramref name="r"/> and the defaults stand in for bad values.</summary>
    public static AnalysisConfig Parse(ConfigReader r, ConfigEntry section) => Root.Bind(r, section.Value, Section, new AnalysisConfig())!;
}
