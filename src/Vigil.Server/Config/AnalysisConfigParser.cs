using Vigil.Analysis.Anomaly;
using Vigil.Analysis.Insights;
using Vigil.PromQL.Parser;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// Reads the <c>analysis:</c> section strictly: unknown keys, wrong types, bad durations, selectors, PromQL, detector
/// names and parameters — each an error naming file, line, column and the key's place (<c>analysis.insights.trend.p_value</c>).
/// </summary>
internal static class AnalysisConfigParser
{
    private const string Section = "analysis";

    /// <summary>Parses the section; problems are recorded in <paramref name="r"/> and the defaults stand in for bad values.</summary>
    public static AnalysisConfig Parse(ConfigReader r, ConfigEntry section)
    {
        var d = new AnalysisConfig();
        bool enabled = d.Enabled, builtin = d.BuiltinSeries;
        var interval = d.EvaluationInterval;
        string detector = d.Detector;
        IReadOnlyDictionary<string, double> parameters = d.DetectorParameters;
        YamlNode? detectorNode = null;
        double threshold = d.Threshold;
        var hold = d.Hold;
        var selectors = new List<AnalysisSelector>();
        int maxSeries = d.MaxSeries;
        var warmup = d.Warmup;
        var save = d.StateSaveInterval;
        var insights = d.Insights;
        foreach (var e in r.Mapping(section.Value, Section))
        {
            switch (e.Key)
            {
                case "enabled":
                    enabled = r.Bool(e) ?? enabled;
                    break;
                case "evaluation_interval":
                    interval = r.PositiveDuration(e) ?? interval;
                    break;
                case "detector":
                    detectorNode = e.Value;
                    (detector, parameters) = Detector(r, e) ?? (detector, parameters);
                    break;
                case "threshold":
                    threshold = r.Number(e, 0.001, 1) ?? threshold;
                    break;
                case "hold":
                    hold = r.Duration(e) ?? hold;
                    break;
                case "builtin_series":
                    builtin = r.Bool(e) ?? builtin;
                    break;
                case "selectors":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        if (r.ScalarItem(node, where, "a series selector such as '{job=\"shop\"}'") is { } text && Selector(r, node, where, text) is { } s)
                        {
                            selectors.Add(s);
                        }
                    }
                    break;
                case "max_series":
                    maxSeries = r.PositiveInt(e) ?? maxSeries;
                    break;
                case "warmup":
                    warmup = r.Duration(e) ?? warmup;
                    break;
                case "state_save_interval":
                    save = r.PositiveDuration(e) ?? save;
                    break;
                case "insights":
                    insights = Insights(r, e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (detectorNode is not null)
        {
            try
            {
                // Note: the detector validates its own parameters (names and ranges), so the messages match what it accepts.
                DetectorFactory.Create(detector, parameters);
            }
            catch (ArgumentException ex)
            {
                r.Error(detectorNode, $"invalid \"detector\" in {Section}: {ex.Message}");
                (detector, parameters) = (d.Detector, d.DetectorParameters);
            }
        }
        return new AnalysisConfig
        {
            Enabled = enabled,
            EvaluationInterval = interval,
            Detector = detector,
            DetectorParameters = parameters,
            Threshold = threshold,
            Hold = hold,
            BuiltinSeries = builtin,
            Selectors = selectors,
            MaxSeries = maxSeries,
            Warmup = warmup,
            StateSaveInterval = save,
            Insights = insights,
        };
    }

    /// <summary><c>detector: NAME</c> or <c>detector: { name: NAME, parameters: { key: number } }</c>.</summary>
    private static (string, IReadOnlyDictionary<string, double>)? Detector(ConfigReader r, ConfigEntry e)
    {
        if (e.Value is YamlScalarNode)
        {
            return r.String(e) is { Length: > 0 } name ? (name, new Dictionary<string, double>()) : null;
        }
        string? detector = null;
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in r.Mapping(e.Value, e.Path))
        {
            switch (p.Key)
            {
                case "name":
                    detector = r.String(p);
                    break;
                case "parameters":
                    foreach (var item in r.Mapping(p.Value, p.Path))
                    {
                        if (r.Number(item, double.MinValue, double.MaxValue) is { } v)
                        {
                            parameters[item.Key] = v;
                        }
                    }
                    break;
                default:
                    r.UnknownKey(p);
                    break;
            }
        }
        if (string.IsNullOrEmpty(detector))
        {
            r.Error(e.Value, $"{e.Path} needs a name (one of {string.Join(", ", DetectorFactory.Names)})");
            return null;
        }
        return (detector, parameters);
    }

    private static AnalysisSelector? Selector(ConfigReader r, YamlNode node, string where, string text)
    {
        try
        {
            var matchers = PromQLParser.ParseMetricSelector(text).ToList();
            if (matchers.All(m => m.MatchesEmpty))
            {
                r.Error(node, $"invalid selector \"{text}\" in {where}: it must contain at least one matcher that does not match the empty string");
                return null;
            }
            return new AnalysisSelector(text, matchers);
        }
        catch (PromQLParseException ex)
        {
            r.Error(node, $"invalid selector \"{text}\" in {where}: {ex.Message}");
            return null;
        }
    }

    private static AnalysisInsightsConfig Insights(ConfigReader r, ConfigEntry section)
    {
        var c = new AnalysisInsightsConfig();
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "enabled":
                    c = c with { Enabled = r.Bool(e) ?? c.Enabled };
                    break;
                case "interval":
                    c = c with { Interval = r.PositiveDuration(e) ?? c.Interval };
                    break;
                case "window":
                    c = c with { Window = r.PositiveDuration(e) ?? c.Window };
                    break;
                case "min_confidence":
                    c = c with { MinConfidence = r.Number(e, 0, 1) ?? c.MinConfidence };
                    break;
                case "history_limit":
                    c = c with { HistoryLimit = r.PositiveInt(e) ?? c.HistoryLimit };
                    break;
                case "retention":
                    c = c with { Retention = r.PositiveDuration(e) ?? c.Retention };
                    break;
                case "trend":
                    c = Trend(r, e, c);
                    break;
                case "bottleneck":
                    foreach (var b in r.Mapping(e.Value, e.Path))
                    {
                        switch (b.Key)
                        {
                            case "utilization":
                                c = c with { Utilization = r.Number(b, 0.01, 1) ?? c.Utilization };
                                break;
                            case "min_correlation":
                                c = c with { MinCorrelation = r.Number(b, 0, 1) ?? c.MinCorrelation };
                                break;
                            case "include_self":
                                c = c with { BottleneckIncludeSelf = r.Bool(b) ?? c.BottleneckIncludeSelf };
                                break;
                            default:
                                r.UnknownKey(b);
                                break;
                        }
                    }
                    break;
                case "capacity":
                    c = Capacity(r, e, c);
                    break;
                case "anomaly":
                    foreach (var a in r.Mapping(e.Value, e.Path))
                    {
                        if (a.Key == "min_series")
                        {
                            c = c with { AnomalyMinSeries = r.PositiveInt(a) ?? c.AnomalyMinSeries };
                        }
                        else
                        {
                            r.UnknownKey(a);
                        }
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return c;
    }

    private static AnalysisInsightsConfig Trend(ConfigReader r, ConfigEntry section, AnalysisInsightsConfig c)
    {
        var queries = new List<AnalysisQueryConfig>();
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "p_value":
                    c = c with { TrendPValue = r.Number(e, 0.0001, 0.5) ?? c.TrendPValue };
                    break;
                case "min_change":
                    c = c with { TrendMinChange = r.Number(e, 0, 1000) ?? c.TrendMinChange };
                    break;
                case "queries":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        string? name = null, kind = null, query = null;
                        foreach (var q in r.Mapping(node, where))
                        {
                            switch (q.Key)
                            {
                                case "name":
                                    name = r.String(q);
                                    break;
                                case "kind":
                                    kind = r.String(q);
                                    if (kind is not null and not ("latency" or "errors" or "saturation"))
                                    {
                                        r.Invalid(q, $"expected latency, errors or saturation, got \"{kind}\"");
                                        kind = null;
                                    }
                                    break;
                                case "query":
                                    query = Query(r, q);
                                    break;
                                default:
                                    r.UnknownKey(q);
                                    break;
                            }
                        }
                        if (string.IsNullOrEmpty(name) || kind is null || query is null)
                        {
                            r.Error(node, $"{where} needs a name, a kind (latency, errors or saturation) and a query");
                            continue;
                        }
                        queries.Add(new AnalysisQueryConfig(name, kind, query));
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return c with { TrendQueries = queries };
    }

    private static AnalysisInsightsConfig Capacity(ConfigReader r, ConfigEntry section, AnalysisInsightsConfig c)
    {
        var resources = new List<AnalysisCapacityConfig>();
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "window":
                    c = c with { CapacityWindow = r.PositiveDuration(e) ?? c.CapacityWindow };
                    break;
                case "horizon":
                    c = c with { CapacityHorizon = r.PositiveDuration(e) ?? c.CapacityHorizon };
                    break;
                case "resources":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        string? name = null, usage = null, limit = null;
                        foreach (var q in r.Mapping(node, where))
                        {
                            switch (q.Key)
                            {
                                case "name":
                                    name = r.String(q);
                                    break;
                                case "usage":
                                    usage = Query(r, q);
                                    break;
                                case "limit":
                                    limit = Query(r, q);
                                    break;
                                default:
                                    r.UnknownKey(q);
                                    break;
                            }
                        }
                        if (string.IsNullOrEmpty(name) || usage is null || limit is null)
                        {
                            r.Error(node, $"{where} needs a name, a usage query and a limit query");
                            continue;
                        }
                        resources.Add(new AnalysisCapacityConfig(name, usage, limit));
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return c with { CapacityResources = resources };
    }

    private static string? Query(ConfigReader r, ConfigEntry e)
    {
        string? query = r.String(e);
        if (query is null)
        {
            return null;
        }
        try
        {
            PromQLParser.ParseExpr(query);
            return query;
        }
        catch (PromQLParseException ex)
        {
            r.Invalid(e, ex.Message);
            return null;
        }
    }
}
