namespace Vigil.Optimizer.Model;

/// <summary>One choice of the lever decider as the history holds it: the lever and value, the expected and the measured effect.</summary>
/// <param name="ExecutionId">The execution that carried it out.</param>
/// <param name="At">When it was chosen.</param>
/// <param name="Lever">The lever's name.</param>
/// <param name="From">The value before (as captured), or null before the capture.</param>
/// <param name="To">The value chosen.</param>
/// <param name="Purpose"><c>improve</c>, or <c>cheaper</c> for a cheaper setting that must still meet the threshold.</param>
/// <param name="Expected">The improvement the decider expected (its Thompson score), relative.</param>
/// <param name="Measured">The measured improvement of the target (positive is better), or null.</param>
/// <param name="PValue">The target's p-value, or null.</param>
/// <param name="Status">The execution's status.</param>
/// <param name="Verdict">The evaluator's reason (kept because, rolled back because) or the error.</param>
public sealed record LeverChoice(string ExecutionId, DateTimeOffset At, string Lever, string? From, string To, string Purpose, double Expected,
    double? Measured, double? PValue, ExecutionStatus Status, string Verdict);
