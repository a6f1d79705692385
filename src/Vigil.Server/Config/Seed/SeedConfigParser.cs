using Vigil.Core.Labels;
using Vigil.PromQL.Parser;
using Vigil.Rules;
using Vigil.Rules.Seed;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config.Seed;

/// <summary>
/// Reads the seed's blocks (<c>performance_collection</c>, <c>performance_analysis</c>, <c>aggregation_rules</c>) as the
/// seed writes them — intervals in seconds, <c>operator: "GreaterThan"</c>, <c>aggregation_type: "Average"</c> — with
/// the same strictness as the rest of the file: unknown keys, missing or malformed values and metric patterns that are
/// not selectors are errors naming file, line, column and key.
/// </summary>
internal static class SeedConfigParser
{
    /// <summary>Parses <c>performance_collection</c>.</summary>
    public static PerformanceCollectionConfig PerformanceCollection(ConfigReader r, ConfigEntry section)
    {
        TimeSpan? interval = null, retention = null;
        var thresholds = new Dictionary<string, AlertThreshold>(StringComparer.Ordinal);
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "collection_interval":
                    interval = r.SecondsOrDuration(e);
                    break;
                case "retention_period":
                    retention = r.SecondsOrDuration(e);
                    break;
                case "alert_thresholds":
                    foreach (var t in r.Mapping(e.Value, e.Path))
                    {
                        if (!SeedRuleCompiler.TrySelector(t.Key, out _, out string? error))
                        {
                            r.Error(t.KeyNode, $"invalid metric \"{t.Key}\" in {e.Path}: {error}");
                            continue;
                        }
                        if (Threshold(r, t) is { } threshold)
                        {
                            thresholds[t.Key] = threshold;
                        }
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new PerformanceCollectionConfig { CollectionInterval = interval, RetentionPeriod = retention, AlertThresholds = thresholds };
    }

    private static AlertThreshold? Threshold(ConfigReader r, ConfigEntry section)
    {
        double? warning = null, critical = null;
        bool warningGiven = false, criticalGiven = false;
        var op = ThresholdOperator.GreaterThan;
        double hysteresis = 0.1;
        var forDuration = TimeSpan.Zero;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "warning_threshold":
                    warning = r.Number(e, double.MinValue, double.MaxValue);
                    warningGiven = true;
                    break;
                case "critical_threshold":
                    critical = r.Number(e, double.MinValue, double.MaxValue);
                    criticalGiven = true;
                    break;
                case "operator":
                    string? s = r.String(e);
                    if (s is not null)
                    {
                        if (Enum.TryParse<ThresholdOperator>(s, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(s[0]))
                        {
                            op = parsed;
                        }
                        else
                        {
                            r.Invalid(e, $"expected GreaterThan, LessThan, Equal or NotEqual, got \"{s}\"");
                        }
                    }
                    break;
                case "hysteresis":
                    hysteresis = r.Number(e, 0, 1) ?? hysteresis;
                    break;
                case "for":
                    forDuration = r.Duration(e) ?? forDuration;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (!warningGiven || !criticalGiven)
        {
            r.Error(section.KeyNode, $"{section.Path} needs both warning_threshold and critical_threshold");
            return null;
        }
        if (warning is null || critical is null)
        {
            return null;
        }
        if ((op == ThresholdOperator.GreaterThan && warning > critical) || (op == ThresholdOperator.LessThan && warning < critical))
        {
            r.Error(section.KeyNode, $"{section.Path}: with {op} the warning_threshold ({GoText.FormatFloat(warning.Value)}) must not be "
                + $"{(op == ThresholdOperator.GreaterThan ? "above" : "below")} the critical_threshold ({GoText.FormatFloat(critical.Value)})");
            return null;
        }
        return new AlertThreshold { WarningThreshold = warning.Value, CriticalThreshold = critical.Value, Operator = op, Hysteresis = hysteresis, For = forDuration };
    }

    /// <summary>Parses <c>aggregation_rules</c>.</summary>
    public static List<AggregationRule> AggregationRules(ConfigReader r, ConfigEntry section)
    {
        var rules = new List<AggregationRule>();
        foreach (var (node, where) in r.Sequence(section))
        {
            if (AggregationRuleEntry(r, node, where) is { } rule)
            {
                rules.Add(rule);
            }
        }
        return rules;
    }

    private static AggregationRule? AggregationRuleEntry(ConfigReader r, YamlNode node, string where)
    {
        string? pattern = null, output = null;
        AggregationType? type = null;
        long? window = null;
        bool bad = false;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "metric_pattern":
                    pattern = r.String(e);
                    if (pattern is not null && !SeedRuleCompiler.TrySelector(pattern, out _, out string? error))
                    {
                        r.Invalid(e, error!);
                        bad = true;
                    }
                    break;
                case "aggregation_type":
                    if (r.String(e) is { } t)
                    {
                        try
                        {
                            type = AggregationType.Parse(t);
                        }
                        catch (FormatException ex)
                        {
                            r.Invalid(e, ex.Message);
                            bad = true;
                        }
                    }
                    break;
                case "time_window":
                    if (r.SecondsOrDuration(e) is { } w)
                    {
                        if (w.Ticks % TimeSpan.TicksPerSecond != 0)
                        {
                            r.Invalid(e, "must be a whole number of seconds");
                            bad = true;
                        }
                        window = (long)w.TotalSeconds;
                    }
                    else
                    {
                        bad = true;
                    }
                    break;
                case "output_metric":
                    output = r.String(e);
                    if (output is not null && !LabelValidation.IsValidLegacyMetricName(output))
                    {
                        r.Invalid(e, $"\"{output}\" is not a valid metric name");
                        bad = true;
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        var missing = new List<string>();
        if (pattern is null && !bad)
        {
            missing.Add("metric_pattern");
        }
        if (type is null && !bad)
        {
            missing.Add("aggregation_type");
        }
        if (window is null && !bad)
        {
            missing.Add("time_window");
        }
        if (output is null && !bad)
        {
            missing.Add("output_metric");
        }
        if (missing.Count > 0)
        {
            r.Error(node, $"{where} needs {string.Join(", ", missing)}");
        }
        if (bad || pattern is null || type is null || window is null || output is null)
        {
            return null;
        }
        return new AggregationRule { MetricPattern = pattern, AggregationType = type, TimeWindow = window.Value, OutputMetric = output };
    }

    /// <summary>Parses <c>performance_analysis</c>.</summary>
    public static PerformanceAnalysisConfig PerformanceAnalysis(ConfigReader r, ConfigEntry section)
    {
        TimeSpan? interval = null, retention = null;
        double? confidence = null;
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "analysis_interval":
                    interval = r.SecondsOrDuration(e);
                    break;
                case "retention_period":
                    retention = r.SecondsOrDuration(e);
                    break;
                case "confidence_threshold":
                    confidence = r.Number(e, 0, 1);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new PerformanceAnalysisConfig { AnalysisInterval = interval, RetentionPeriod = retention, ConfidenceThreshold = confidence };
    }
}
