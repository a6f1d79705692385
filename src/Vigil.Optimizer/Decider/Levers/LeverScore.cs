namespace Vigil.Optimizer.Decider.Levers;

/// <summary>What the decider knew about one lever when it chose: its evidence, the sampled expectation and the next value.</summary>
/// <param name="Lever">The lever's name.</param>
/// <param name="Current">Its value now.</param>
/// <param name="Candidate">The value the bounded search would try next, or null when the lever is done.</param>
/// <param name="Kept">Kept trials in this epoch.</param>
/// <param name="NotKept">Rolled-back trials in this epoch.</param>
/// <param name="MeanImpact">The mean impact of its kept trials (the prior when none).</param>
/// <param name="Sampled">The Thompson sample: a draw of the success probability times the mean impact.</param>
/// <param name="Status">"candidate", "converged: ...", "exhausted: ...", or "recommend only".</param>
public sealed record LeverScore(string Lever, double Current, double? Candidate, int Kept, int NotKept, double MeanImpact, double Sampled, string Status);
