using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>What an engine found on one run; the store turns it into a new or updated <see cref="PerformanceInsight"/>.</summary>
/// <param name="Key">The cause, unique within the engine (e.g. <c>cpu/instance="web-1"</c>).</param>
/// <param name="Type">What it reports.</param>
/// <param name="Severity">How urgent.</param>
/// <param name="Description">In words, with the key numbers.</param>
/// <param name="Labels">Labels identifying the cause (policies match them).</param>
/// <param name="AffectedSeries">The series involved, most relevant first.</param>
/// <param name="Confidence">In [0, 1].</param>
/// <param name="Evidence">The numbers behind it.</param>
/// <param name="Recommendations">What to do, highest priority first.</param>
/// <param name="Queries">PromQL that computes each affected series (same order), so the dashboard charts series that are derived rather than stored.</param>
internal sealed record Finding(
    string Key,
    InsightType Type,
    InsightSeverity Severity,
    string Description,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<LabelSet> AffectedSeries,
    double Confidence,
    IReadOnlyDictionary<string, double> Evidence,
    IReadOnlyList<OptimizationRecommendation> Recommendations,
    IReadOnlyList<EvidenceQuery>? Queries = null);
