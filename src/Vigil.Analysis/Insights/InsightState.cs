namespace Vigil.Analysis.Insights;

/// <summary>Whether the cause of an insight is still there.</summary>
public enum InsightState
{
    /// <summary>The cause was seen in the latest analysis; the insight is updated on every run while it lasts.</summary>
    Active,

    /// <summary>The latest analysis no longer saw the cause; <see cref="PerformanceInsight.EndsAt"/> says when it ended.</summary>
    Resolved,
}
