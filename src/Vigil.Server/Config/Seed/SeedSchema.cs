using Vigil.Core.Labels;
using Vigil.PromQL.Parser;
using Vigil.Rules;
using Vigil.Rules.Seed;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config.Seed;

/// <summary>
/// The keys of the seed's blocks (<c>performance_collection</c>, <c>performance_analysis</c>, <c>aggregation_rules</c>)
/// as the seed writes them — intervals in seconds, <c>operator: "GreaterThan"</c>, <c>aggregation_type: "Average"</c> —
/// with the same strictness as the rest of the file: unknown keys, missing or malformed values and metric patterns that
/// are not selectors are errors naming file, line, column and key.
/// </summary>
internal static class SeedSchema
{
    private sealed record Collection(TimeSpan? Interval, TimeSpan? Retention, Dictionary<string, AlertThreshold> Thresholds);

    private sealed record Threshold(double? Warning = null, double? Critical = null, ThresholdOperator Operator = ThresholdOperator.GreaterThan,
        double Hysteresis = 0.1, TimeSpan For = default);

    /// <summary>An aggregation rule as read; <see cref="Bad"/> when a given value was malformed.</summary>
    private sealed record Aggregation(string? Pattern = null, AggregationType? Type = null, long? Window = null, string? Output = null, bool Bad = false);

    /// <summary>Whole seconds or a duration, or none (null) when the value is not valid.</summary>
    private static readonly ConfigValue<TimeSpan?> OptionalSecondsOrDuration = (ConfigReader r, ConfigEntry e, out TimeSpan? value) =>
    {
        value = r.SecondsOrDuration(e);
        return true;
    };

    private static readonly ConfigSchema<Threshold> ThresholdKeys = new ConfigSchema<Threshold>()
        .Custom("warning_threshold", (r, e, o) => o with { Warning = r.Number(e, double.MinValue, double.MaxValue) })
        .Custom("critical_threshold", (r, e, o) => o with { Critical = r.Number(e, double.MinValue, double.MaxValue) })
        .Custom("operator", (r, e, o) =>
        {
            if (r.String(e) is not { } s)
            {
                return null;
            }
            if (Enum.TryParse<ThresholdOperator>(s, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(s[0]))
            {
                return o with { Operator = parsed };
            }
            r.Invalid(e, $"expected GreaterThan, LessThan, Equal or NotEqual, got \"{s}\"");
            return null;
        })
        .Key("hysteresis", Number(0, 1), (o, v) => o with { Hysteresis = v })
        .Key("for", Duration, (o, v) => o with { For = v });

    private static readonly ConfigSchema<Collection> CollectionKeys = new ConfigSchema<Collection>()
        .Key("collection_interval", OptionalSecondsOrDuration, (o, v) => o with { Interval = v })
        .Key("retention_period", OptionalSecondsOrDuration, (o, v) => o with { Retention = v })
        .Custom("alert_thresholds", (r, e, o) =>
        {
            var thresholds = new Dictionary<string, AlertThreshold>(o.Thresholds, StringComparer.Ordinal);
            foreach (var t in r.Mapping(e.Value, e.Path))
            {
                if (!SeedRuleCompiler.TrySelector(t.Key, out _, out string? error))
                {
                    r.Error(t.KeyNode, $"invalid metric \"{t.Key}\" in {e.Path}: {error}");
                    continue;
                }
                if (ReadThreshold(r, t) is { } threshold)
                {
                    thresholds[t.Key] = threshold;
                }
            }
            return o with { Thresholds = thresholds };
        });

    private static readonly ConfigSchema<PerformanceAnalysisConfig> AnalysisKeys = new ConfigSchema<PerformanceAnalysisConfig>()
        .Key("analysis_interval", OptionalSecondsOrDuration, (o, v) => o with { AnalysisInterval = v })
        .Key("retention_period", OptionalSecondsOrDuration, (o, v) => o with { RetentionPeriod = v })
        .Custom("confidence_threshold", (r, e, o) => o with { ConfidenceThreshold = r.Number(e, 0, 1) });

    private static readonly ConfigSchema<Aggregation> AggregationKeys = new ConfigSchema<Aggregation>()
        .Custom("metric_pattern", (r, e, o) =>
        {
            string? pattern = r.String(e);
            if (pattern is not null && !SeedRuleCompiler.TrySelector(pattern, out _, out string? error))
            {
                r.Invalid(e, error!);
                return o with { Pattern = pattern, Bad = true };
            }
            return o with { Pattern = pattern };
        })
        .Custom("aggregation_type", (r, e, o) =>
        {
            if (r.String(e) is not { } t)
            {
                return null;
            }
            try
            {
                return o with { Type = AggregationType.Parse(t) };
            }
            catch (FormatException ex)
            {
                r.Invalid(e, ex.Message);
                return o with { Bad = true };
            }
        })
        .Custom("time_window", (r, e, o) =>
        {
            if (r.SecondsOrDuration(e) is not { } w)
            {
                return o with { Bad = true };
            }
            if (w.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                r.Invalid(e, "must be a whole number of seconds");
                return o with { Window = (long)w.TotalSeconds, Bad = true };
            }
            return o with { Window = (long)w.TotalSeconds };
        })
        .Custom("output_metric", (r, e, o) =>
        {
            string? output = r.String(e);
            if (output is not null && !LabelValidation.IsValidLegacyMetricName(output))
            {
                r.Invalid(e, $"\"{output}\" is not a valid metric name");
                return o with { Output = output, Bad = true };
            }
            return o with { Output = output };
        });

    /// <summary>Parses <c>performance_collection</c>.</summary>
    public static PerformanceCollectionConfig PerformanceCollection(ConfigReader r, ConfigEntry section)
    {
        var c = CollectionKeys.Bind(r, section.Value, section.Key, new Collection(null, null, new(StringComparer.Ordinal)))!;
        return new PerformanceCollectionConfig { CollectionInterval = c.Interval, RetentionPeriod = c.Retention, AlertThresholds = c.Thresholds };
    }

    /// <summary>Parses <c>performance_analysis</c>.</summary>
    public static PerformanceAnalysisConfig PerformanceAnalysis(ConfigReader r, ConfigEntry section) =>
        AnalysisKeys.Bind(r, section.Value, section.Key, new PerformanceAnalysisConfig())!;

    /// <summary>Parses <c>aggregation_rules</c>.</summary>
    public static List<AggregationRule> AggregationRules(ConfigReader r, ConfigEntry section)
    {
        ListOf<AggregationRule>(AggregationItem)(r, section, out var rules);
        return rules;
    }

    private static AlertThreshold? ReadThreshold(ConfigReader r, ConfigEntry section)
    {
        var entries = r.Mapping(section.Value, section.Path);
        var t = ThresholdKeys.Bind(r, section.Value, section.Path, entries, new Threshold())!;
        if (!entries.Any(e => e.Key == "warning_threshold") || !entries.Any(e => e.Key == "critical_threshold"))
        {
            r.Error(section.KeyNode, $"{section.Path} needs both warning_threshold and critical_threshold");
            return null;
        }
        if (t.Warning is not { } warning || t.Critical is not { } critical)
        {
            return null;
        }
        var op = t.Operator;
        if ((op == ThresholdOperator.GreaterThan && warning > critical) || (op == ThresholdOperator.LessThan && warning < critical))
        {
            r.Error(section.KeyNode, $"{section.Path}: with {op} the warning_threshold ({GoText.FormatFloat(warning)}) must not be "
                + $"{(op == ThresholdOperator.GreaterThan ? "above" : "below")} the critical_threshold ({GoText.FormatFloat(critical)})");
            return null;
        }
        return new AlertThreshold { WarningThreshold = warning, CriticalThreshold = critical, Operator = op, Hysteresis = t.Hysteresis, For = t.For };
    }

    private static bool AggregationItem(ConfigReader r, YamlNode node, string where, out AggregationRule value)
    {
        value = null!;
        var a = AggregationKeys.Bind(r, node, where, new Aggregation())!;
        var missing = new List<string>();
        if (!a.Bad)
        {
            if (a.Pattern is null)
            {
                missing.Add("metric_pattern");
            }
            if (a.Type is null)
            {
                missing.Add("aggregation_type");
            }
            if (a.Window is null)
            {
                missing.Add("time_window");
            }
            if (a.Output is null)
            {
                missing.Add("output_metric");
            }
        }
        if (missing.Count > 0)
        {
            r.Error(node, $"{where} needs {string.Join(", ", missing)}");
        }
        if (a.Bad || a.Pattern is null || a.Type is null || a.Window is null || a.Output is null)
        {
            return false;
        }
        value = new AggregationRule { MetricPattern = a.Pattern, AggregationType = a.Type, TimeWindow = a.Window.Value, OutputMetric = a.Output };
        return true;
    }
}
