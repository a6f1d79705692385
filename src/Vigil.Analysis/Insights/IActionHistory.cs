namespace Vigil.Analysis.Insights;

/// <summary>
/// What the optimizer measured when it took an action before: the host fills it from the optimizer's journal (the
/// analysis does not reference the optimizer). Recommendations take their impact and cost from it where it knows the
/// action, and are marked <c>prior</c> otherwise.
/// </summary>
public interface IActionHistory
{
    /// <summary>The measured outcome of actions of <paramref name="type"/> on <paramref name="component"/>, or null when none was measured.</summary>
    MeasuredAction? Find(OptimizationActionType type, string component);
}

/// <summary>The optimizer's measured history of one kind of action on one component.</summary>
/// <param name="Executions">Finished executions of the action (kept, rolled back or failed).</param>
/// <param name="MedianImpact">The median measured relative improvement of the target metric (0.3 = 30 %) over the executions that were evaluated.</param>
/// <param name="FailedShare">The share of executions that failed or were rolled back (what trying the action cost).</param>
public sealed record MeasuredAction(int Executions, double MedianImpact, double FailedShare)
{
    /// <summary>The cost of the action as measured: Low when none failed or was rolled back, then Medium below a third, High below two thirds, Critical above.</summary>
    public ImplementationCost Cost => FailedShare <= 0 ? ImplementationCost.Low
        : FailedShare < 1.0 / 3 ? ImplementationCost.Medium
        : FailedShare < 2.0 / 3 ? ImplementationCost.High
        : ImplementationCost.Critical;
}

/// <summary>No history: every recommendation keeps its prior.</summary>
public sealed class NoActionHistory : IActionHistory
{
    /// <summary>The one instance.</summary>
    public static readonly NoActionHistory Instance = new();

    /// <inheritdoc />
    public MeasuredAction? Find(OptimizationActionType type, string component) => null;
}
