
namespace Vigil.Analysis.Insights;

/// <summary>What to do about an insight (the seed's <c>OptimizationRecommendation</c>).</summary>
/// <remarks>The type is the optimizer's action type, so a policy acting on the insight can take the recommended kind of action.</remarks>
public sealed record OptimizationRecommendation
{
    /// <summary>The kind of change: ScaleUp, ScaleOut, CacheOptimization, DatabaseOptimization, NetworkOptimization, CodeOptimization or ConfigurationUpdate.</summary>
    public required OptimizationActionType Type { get; init; }

    /// <summary>What to do, in words, naming the resource.</summary>
    public required string Description { get; init; }

    /// <summary>The expected relative improvement of the affected metric (0.3 = 30 %); a rough guide, not a measurement.</summary>
    public double ExpectedImpact { get; init; }

    /// <summary>How much work it takes.</summary>
    public ImplementationCost ImplementationCost { get; init; }

    /// <summary>Higher first among the recommendations of all active insights.</summary>
    public int Priority { get; init; }

    /// <summary>The components to change: an instance, a device, a pool, a job.</summary>
    public IReadOnlyList<string> AffectedComponents { get; init; } = [];

    /// <summary>A recommendation for <paramref name="component"/>; the priority rises by 50 per severity step, so urgent causes come first.</summary>
    internal static OptimizationRecommendation For(string component, InsightSeverity severity, OptimizationActionType type, string description,
        double impact, ImplementationCost cost, int priority) => new()
    {
        Type = type,
        Description = description,
        ExpectedImpact = impact,
        ImplementationCost = cost,
        Priority = priority + ((int)severity * 50),
        AffectedComponents = [component],
    };
}
