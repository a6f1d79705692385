using Vigil.Analysis.Insights;
using Vigil.Collection.Collectors;
using Vigil.Rules;
using Vigil.Rules.Seed;
using Vigil.Server.Config.Seed;

namespace Vigil.Server.Config;

/// <summary>How the rules and the seed's blocks take effect: rule options, rules compiled from the seed, its collection interval and retention.</summary>
public sealed partial class VigilConfig
{
    /// <summary>
    /// What the rule manager runs: the <c>rule_files</c> and the groups compiled from the seed's blocks, evaluated every
    /// <c>global.evaluation_interval</c> with the global external labels.
    /// </summary>
    public RuleManagerOptions RuleOptions() => new()
    {
        RuleFiles = RuleFiles,
        ExtraGroups = SeedRuleGroups,
        BaseDirectory = SourcePath is null ? null : Path.GetDirectoryName(SourcePath),
        EvaluationInterval = Global.EvaluationInterval,
        ExternalLabels = Global.ExternalLabels,
    };

    private static IReadOnlyList<RuleGroupSpec> SeedRules(ConfigReader r, PerformanceCollectionConfig? collection, IReadOnlyList<AggregationRule> aggregations, ConfigEntry at)
    {
        if (collection is not { AlertThresholds.Count: > 0 } && aggregations.Count == 0)
        {
            return [];
        }
        var compiled = SeedRuleCompiler.Compile(collection, aggregations, r.FileName);
        // Note: the parser has already checked what it can at the value's position; what is left (a generated expression
        // the rule checker refuses) is reported at the first seed block.
        foreach (var e in compiled.Errors)
        {
            r.Error(at.KeyNode, "the seed's rules do not compile: " + e.Message);
        }
        return compiled.Groups;
    }

    /// <summary>The seed's <c>collection_interval</c> and <c>retention_period</c> apply where Vigil's own keys are not set.</summary>
    private static void ApplySeedCollection(PerformanceCollectionConfig? seed, ref CollectorsConfig collectors, ref StorageConfig storage)
    {
        if (seed is null)
        {
            return;
        }
        if (seed.CollectionInterval is { } interval && !collectors.IntervalSet)
        {
            collectors = collectors.WithInterval(interval);
        }
        if (seed.RetentionPeriod is { } retention && storage.RetentionTime is null)
        {
            storage = storage with { RetentionTime = retention };
        }
    }

    /// <summary>
    /// The seed's <c>performance_analysis</c> (analysis_interval, retention_period, confidence_threshold) sets when the
    /// insight engines run, how long resolved insights are kept and the least confidence reported — when the file has
    /// no <c>analysis:</c> section; a file with both follows <c>analysis:</c>, where those settings have their own keys.
    /// </summary>
    private static AnalysisConfig? ApplySeedAnalysis(PerformanceAnalysisConfig? seed, AnalysisConfig? analysis)
    {
        if (seed is null || analysis is not null)
        {
            return analysis;
        }
        var defaults = new AnalysisConfig();
        var insights = defaults.Insights;
        insights = insights with
        {
            Interval = seed.AnalysisInterval ?? insights.Interval,
            Retention = seed.RetentionPeriod ?? insights.Retention,
            MinConfidence = seed.ConfidenceThreshold ?? insights.MinConfidence,
        };
        return defaults with { Insights = insights };
    }
}
