using System.Globalization;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;
using Vigil.Rules.Seed;

namespace Vigil.Rules;

/// <summary>
/// Compiles the seed's configuration sugar into ordinary rule groups: each <c>alert_thresholds</c> entry becomes two
/// alerting rules (<c>severity="warning"</c> and <c>severity="critical"</c>) with hysteresis, each
/// <c>aggregation_rules</c> entry a recording rule (<c>avg_over_time(response_time[300s])</c> → <c>avg_response_time</c>).
/// </summary>
/// <remarks>
/// Hysteresis is expressed in PromQL, so the generated file also works in Prometheus: for <c>GreaterThan</c> with
/// threshold T and margin M (the threshold's <see cref="AlertThreshold.Hysteresis"/> fraction, 10 % by default) the
/// expression is <c>m &gt; T or (m &gt; T-M and ignoring(alertname, alertstate, severity) ALERTS{alertname="…",
/// severity="…", alertstate="firing"})</c>: the alert starts above T and, once firing, its own <c>ALERTS</c> series keeps
/// it until the value falls to T-M or below. <c>LessThan</c> mirrors this; <c>Equal</c> keeps firing while the value
/// stays within M of T; <c>NotEqual</c> has no hysteresis (it clears when the value equals T). Thread-safe (stateless).
/// </remarks>
public static class SeedRuleCompiler
{
    /// <summary>The group holding the threshold alerts.</summary>
    public const string ThresholdGroupName = "vigil_alert_thresholds";

    /// <summary>The group holding the aggregation recording rules.</summary>
    public const string AggregationGroupName = "vigil_aggregation_rules";

    /// <summary>Compiles the blocks; <paramref name="sourceName"/> (the config file) names the groups' file and errors.</summary>
    public static RuleFileParseResult Compile(PerformanceCollectionConfig? collection, IReadOnlyList<AggregationRule>? aggregations, string sourceName)
    {
        var groups = new List<RuleGroupSpec>();
        var errors = new List<RuleFileError>();
        if (collection is { AlertThresholds.Count: > 0 })
        {
            var rules = new List<RuleSpec>();
            foreach (var (metric, t) in collection.AlertThresholds.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                string where = "performance_collection.alert_thresholds." + metric;
                if (!TrySelector(metric, out string selector, out string? error))
                {
                    errors.Add(new RuleFileError(sourceName, 0, 0, ThresholdGroupName, where + ": " + error));
                    continue;
                }
                if (t.Hysteresis < 0 || double.IsNaN(t.Hysteresis))
                {
                    errors.Add(new RuleFileError(sourceName, 0, 0, ThresholdGroupName, where + ": hysteresis must be a fraction ≥ 0, e.g. 0.1"));
                    continue;
                }
                string alertName = MetricName(metric) + Suffix(t.Operator);
                rules.Add(ThresholdRule(alertName, selector, metric, "warning", t.WarningThreshold, t));
                rules.Add(ThresholdRule(alertName, selector, metric, "critical", t.CriticalThreshold, t));
            }
            groups.Add(new RuleGroupSpec { Name = ThresholdGroupName, File = sourceName, Rules = rules });
        }
        if (aggregations is { Count: > 0 })
        {
            var rules = new List<RuleSpec>();
            for (int i = 0; i < aggregations.Count; i++)
            {
                var a = aggregations[i];
                string where = string.Create(CultureInfo.InvariantCulture, $"aggregation_rules[{i}]");
                if (!TrySelector(a.MetricPattern, out string selector, out string? error))
                {
                    errors.Add(new RuleFileError(sourceName, 0, 0, AggregationGroupName, where + ".metric_pattern: " + error));
                    continue;
                }
                if (a.TimeWindow <= 0)
                {
                    errors.Add(new RuleFileError(sourceName, 0, 0, AggregationGroupName, where + ".time_window: must be a positive number of seconds"));
                    continue;
                }
                if (!LabelValidation.IsValidLegacyMetricName(a.OutputMetric))
                {
                    errors.Add(new RuleFileError(sourceName, 0, 0, AggregationGroupName, where + ".output_metric: not a valid metric name: " + a.OutputMetric));
                    continue;
                }
                string range = selector + "[" + a.TimeWindow.ToString(CultureInfo.InvariantCulture) + "s]";
                string expr = a.AggregationType.Kind switch
                {
                    AggregationKind.Sum => "sum_over_time(" + range + ")",
                    AggregationKind.Average => "avg_over_time(" + range + ")",
                    AggregationKind.Min => "min_over_time(" + range + ")",
                    AggregationKind.Max => "max_over_time(" + range + ")",
                    AggregationKind.Count => "count_over_time(" + range + ")",
                    _ => "quantile_over_time(" + Num(a.AggregationType.Percentile / 100) + ", " + range + ")",
                };
                rules.Add(new RuleSpec { Record = a.OutputMetric, Expr = expr });
            }
            groups.Add(new RuleGroupSpec { Name = AggregationGroupName, File = sourceName, Rules = rules });
        }
        foreach (var g in groups)
        {
            errors.AddRange(RuleFileParser.Validate(g));
        }
        return new RuleFileParseResult(groups, errors);
    }

    private static RuleSpec ThresholdRule(string alertName, string selector, string metric, string severity, double threshold, AlertThreshold t)
    {
        double margin = Math.Abs(threshold) * t.Hysteresis;
        string self = $"ignoring(alertname, alertstate, severity) ALERTS{{alertname=\"{alertName}\", severity=\"{severity}\", alertstate=\"firing\"}}";
        string T = Num(threshold);
        string expr = t.Operator switch
        {
            ThresholdOperator.GreaterThan => $"{selector} > {T} or ({selector} > {Num(threshold - margin)} and {self})",
            ThresholdOperator.LessThan => $"{selector} < {T} or ({selector} < {Num(threshold + margin)} and {self})",
            ThresholdOperator.Equal => $"{selector} == {T} or (({selector} >= {Num(threshold - margin)}) <= {Num(threshold + margin)} and {self})",
            _ => $"{selector} != {T}",
        };
        string word = t.Operator switch
        {
            ThresholdOperator.GreaterThan => "above",
            ThresholdOperator.LessThan => "below",
            ThresholdOperator.Equal => "equal to",
            _ => "different from",
        };
        return new RuleSpec
        {
            Alert = alertName,
            Expr = expr,
            For = t.For,
            Labels = new Dictionary<string, string> { ["severity"] = severity },
            Annotations = new Dictionary<string, string>
            {
                ["summary"] = $"{metric} is {{{{ $value }}}} ({severity}: {word} {T})",
                ["threshold"] = T,
            },
        };
    }

    private static string Suffix(ThresholdOperator op) => op switch
    {
        ThresholdOperator.GreaterThan => "_high",
        ThresholdOperator.LessThan => "_low",
        ThresholdOperator.Equal => "_equal",
        _ => "_not_equal",
    };

    private static string MetricName(string pattern)
    {
        int brace = pattern.IndexOf('{', StringComparison.Ordinal);
        string name = brace >= 0 ? pattern[..brace] : pattern;
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        return chars.Length == 0 ? "metric" : new string(chars);
    }

    private static string Num(double v) => GoText.FormatFloat(v);

    /// <summary>A metric name or selector as written; anything else is a regex over metric names.</summary>
    internal static bool TrySelector(string pattern, out string selector, out string? error)
    {
        error = null;
        selector = LabelValidation.IsValidLegacyMetricName(pattern) || pattern.Contains('{', StringComparison.Ordinal)
            ? pattern
            : "{__name__=~" + GoText.Quote(pattern) + "}";
        try
        {
            if (PromQLParser.ParseExpr(selector) is not VectorSelector)
            {
                error = "not a metric name or selector: " + pattern;
                return false;
            }
            return true;
        }
        catch (PromQLParseException e)
        {
            error = "not a metric name, selector or regex: " + e.Message;
            return false;
        }
    }
}
