namespace Vigil.Optimizer.Options;

/// <summary>
/// One knob the decider may turn for an objective (<c>optimization.objectives[].levers[]</c>): a numeric tunable of an
/// executor, with its bounds, its step rule and what each unit of it costs.
/// </summary>
public sealed record OptimizationLeverConfig
{
    /// <summary>The lever's name in evidence and verdicts (e.g. <c>pool_size</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The executor that sets it (a <c>tunable</c>, <c>config</c>, <c>webhook</c> or <c>command</c> executor).</summary>
    public required string Executor { get; init; }

    /// <summary>The action target (<c>service/knob</c>), as in a policy.</summary>
    public required string Target { get; init; }

    /// <summary>The smallest value the decider may set (inclusive).</summary>
    public double Min { get; init; }

    /// <summary>The largest value the decider may set (inclusive).</summary>
    public double Max { get; init; }

    /// <summary>The granularity: values are rounded to multiples of it (1 for an integer knob).</summary>
    public double Step { get; init; } = 1;

    /// <summary>Search on a logarithmic scale (the default when <see cref="Max"/>/<see cref="Min"/> ≥ 10 and Min &gt; 0).</summary>
    public bool? Logarithmic { get; init; }

    /// <summary>The cost of one unit (a worker, a MiB); 0 when the lever costs nothing. Cheaper settings are preferred once constraints hold.</summary>
    public double CostPerUnit { get; init; }

    /// <summary>Auto, approve or recommend: a recommend lever is never changed, only escalated when the objective is out of reach.</summary>
    public Model.OptimizationMode? Mode { get; init; }
}
