
namespace Vigil.Analysis.Insights;

/// <summary>What to do about an insight (the seed's <c>OptimizationRecommendation</c>).</summary>
/// <remarks>The type is the optimizer's action type, so a policy acting on the insight can take the recommended kind of action.</remarks>
public sealed record OptimizationRecommendation
{
    /// <summary>The kind of change: ScaleUp, ScaleOut, CacheOptimization, DatabaseOptimization, NetworkOptimization, CodeOptimization or ConfigurationUpdate.</summary>
    public required OptimizationActionType Type { get; init; }

    /// <summary>What to do, in words, naming the resource.</summary>
    public required string Description { get; init; }

    /// <summary>The expected relative improvement of the affected metric (0.3 = 30 %): the optimizer's measured median when it has taken this action on this component before, else a prior.</summary>
    public double ExpectedImpact { get; init; }

    /// <summary>How much it costs: measured from the optimizer's history (the share of executions failed or rolled back) when there is one, else a prior.</summary>
    public ImplementationCost ImplementationCost { get; init; }

    /// <summary>Where <see cref="ExpectedImpact"/> and <see cref="ImplementationCost"/> come from: <c>measured</c> (the optimizer's history of this action) or <c>prior</c> (the engine's guess).</summary>
    public string Basis { get; init; } = PriorBasis;

    /// <summary>How many finished executions of this action the measured numbers rest on (0 for a prior).</summary>
    public int MeasuredExecutions { get; init; }

    /// <summary>The basis of a guess.</summary>
    public const string PriorBasis = "prior";

    /// <summary>The basis of numbers from the optimizer's history.</summary>
    public const string MeasuredBasis = "measured";

    /// <summary>This recommendation with impact and cost from <paramref name="history"/> when it has measured the action on the first affected component; unchanged (prior) otherwise.</summary>
    public OptimizationRecommendation WithHistory(IActionHistory history)
    {
        string component = AffectedComponents.Count > 0 ? AffectedComponents[0] : string.Empty;
        if (history.Find(Type, component) is not { Executions: > 0 } m)
        {
            return this;
        }
        return this with
        {
            ExpectedImpact = double.IsFinite(m.MedianImpact) ? m.MedianImpact : ExpectedImpact,
            ImplementationCost = m.Cost,
            Basis = MeasuredBasis,
            MeasuredExecutions = m.Executions,
        };
    }

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
