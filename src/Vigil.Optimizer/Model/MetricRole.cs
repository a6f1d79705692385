namespace Vigil.Optimizer.Model;

/// <summary>Why a metric is evaluated: the one the action should improve, or one that must not get worse.</summary>
public enum MetricRole
{
    /// <summary>The metric the action should improve; its relative change is the action's impact.</summary>
    Target,

    /// <summary>A metric that must not regress (error rate, CPU, memory).</summary>
    Guardrail,

    /// <summary>An objective's constraint (an SLO with an absolute limit): the change is rolled back when its median after the change breaks the limit.</summary>
    Constraint,
}
