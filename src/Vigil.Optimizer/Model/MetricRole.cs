namespace Vigil.Optimizer.Model;

/// <summary>Why a metric is evaluated: the one the action should improve, or one that must not get worse.</summary>
public enum MetricRole
{
    /// <summary>The metric the action should improve; its relative change is the action's impact.</summary>
    Target,

    /// <summary>A metric that must not regress (error rate, CPU, memory).</summary>
    Guardrail,
}
