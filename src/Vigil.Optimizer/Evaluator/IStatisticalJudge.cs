namespace Vigil.Optimizer.Evaluator;

/// <summary>Decides whether two samples differ: a two-sample test with a p-value and an effect size.</summary>
/// <remarks>Implementations are stateless and thread-safe; inputs have at least one value each and no NaN.</remarks>
public interface IStatisticalJudge
{
    /// <summary>Compares <paramref name="observation"/> with <paramref name="baseline"/>.</summary>
    StatisticalComparison Compare(ReadOnlySpan<double> baseline, ReadOnlySpan<double> observation);
}
