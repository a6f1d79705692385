namespace Vigil.Optimizer.Decider.Levers;

/// <summary>One measured change of a lever: the values, the evaluator's verdict and its statistics.</summary>
/// <param name="Lever">The lever's name.</param>
/// <param name="From">The value before the change.</param>
/// <param name="To">The value tried.</param>
/// <param name="Kept">True when the change was kept.</param>
/// <param name="Impact">The target's relative improvement (positive is better), or null when not measured.</param>
/// <param name="PValue">The two-sample test's p-value, or null.</param>
/// <param name="EffectSize">The effect size (rank-biserial), or null.</param>
/// <param name="BaselineMedian">The target's median before the change, or null.</param>
/// <param name="ObservationMedian">The target's median after the change, or null.</param>
/// <param name="Epoch">The conditions the trial ran under (load, neighbours); a rolled-back value is retried only in a new epoch.</param>
/// <param name="Reason">The evaluator's reason (kept because, rolled back because).</param>
public sealed record LeverTrial(string Lever, double From, double To, bool Kept, double? Impact, double? PValue, double? EffectSize,
    double? BaselineMedian, double? ObservationMedian, int Epoch, string Reason);
