namespace Vigil.Analysis.Insights;

/// <summary>
/// One finding of the analysis (the seed's <c>PerformanceInsight</c>): one per cause, updated while the cause lasts and
/// resolved when it ends. Immutable; the store replaces it on every update.
/// </summary>
public sealed record PerformanceInsight
{
    /// <summary>A unique, time-ordered id (32 hex digits).</summary>
    public required string Id { get; init; }

    /// <summary>The cause: the same key on a later run updates this insight instead of opening a new one (e.g. <c>bottleneck/cpu/instance="web-1"</c>).</summary>
    public required string Key { get; init; }

    /// <summary>The engine that found it: <c>trend</c>, <c>bottleneck</c>, <c>anomaly</c> or <c>capacity</c>.</summary>
    public required string Engine { get; init; }

    /// <summary>What it reports.</summary>
    public required InsightType Type { get; init; }

    /// <summary>Active while the cause lasts, then resolved.</summary>
    public InsightState State { get; init; }

    /// <summary>How urgent it is (as of the latest update).</summary>
    public InsightSeverity Severity { get; init; }

    /// <summary>What was found, in words, with the key numbers.</summary>
    public required string Description { get; init; }

    /// <summary>Labels identifying the cause (e.g. <c>resource</c>, <c>instance</c>, <c>device</c>); optimization policies match them.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The series involved, as label sets (with <c>__name__</c>), the most relevant first.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> AffectedSeries { get; init; } = [];

    /// <summary>
    /// The PromQL that computes what the insight cites, one per chart: the stored series itself when it is stored, the
    /// expression the engine evaluated (restricted to the affected labels) when the series is derived (a utilization, a p95).
    /// </summary>
    public IReadOnlyList<EvidenceQuery> EvidenceQueries { get; init; } = [];

    /// <summary>How sure the engine is, in [0, 1] (e.g. 1 − p of a trend test, the share of the window a resource was saturated).</summary>
    public double Confidence { get; init; }

    /// <summary>The numbers behind it (e.g. <c>slope_per_hour</c>, <c>p_value</c>, <c>utilization</c>, <c>seconds_to_exhaustion</c>).</summary>
    public IReadOnlyDictionary<string, double> Evidence { get; init; } = new Dictionary<string, double>();

    /// <summary>When the cause was first seen.</summary>
    public DateTimeOffset StartsAt { get; init; }

    /// <summary>The latest analysis that saw it (or resolved it).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the cause was no longer seen; null while active.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>What to do about it, highest priority first.</summary>
    public IReadOnlyList<OptimizationRecommendation> Recommendations { get; init; } = [];
}
