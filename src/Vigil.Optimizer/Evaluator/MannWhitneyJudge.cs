using Vigil.Analysis.Statistics;

namespace Vigil.Optimizer.Evaluator;

/// <summary>The evaluator's default judge: the two-sided Mann–Whitney U test with the rank-biserial correlation as effect size.</summary>
/// <remarks>Exact p-values for small samples without ties, the tie-corrected normal approximation otherwise. Stateless.</remarks>
public sealed class MannWhitneyJudge : IStatisticalJudge
{
    /// <inheritdoc />
    public StatisticalComparison Compare(ReadOnlySpan<double> baseline, ReadOnlySpan<double> observation)
    {
        // Note: sample A is the observation, so U and the rank-biserial are positive when values went up.
        var r = MannWhitney.Test(observation, baseline);
        return new StatisticalComparison(r.U, r.PValue, r.RankBiserial);
    }
}
