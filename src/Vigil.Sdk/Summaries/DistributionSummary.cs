namespace Vigil.Sdk.Summaries;

/// <summary>Order statistics of a set of values: count, min, max, mean, standard deviation, median, p95 and p99.</summary>
/// <remarks>
/// Percentiles interpolate linearly between the closest ranks (NumPy's default, <c>np.percentile</c>): the q-th
/// percentile of n sorted values is at position <c>(n - 1) * q / 100</c>. The standard deviation is the population one
/// (<c>np.std</c>). An empty set has <see cref="Count"/> 0 and NaN everywhere else.
/// </remarks>
public sealed record DistributionSummary(
    long Count,
    double Min,
    double Max,
    double Mean,
    double StdDev,
    double Median,
    double P95,
    double P99,
    double Sum)
{
    /// <summary>The summary of no values.</summary>
    public static DistributionSummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);

    /// <summary>Summarizes <paramref name="values"/>, ignoring NaN; the span is left untouched.</summary>
    public static DistributionSummary Of(ReadOnlySpan<double> values)
    {
        var sorted = new double[values.Length];
        int n = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                sorted[n++] = v;
            }
        }
        return OfSortedInPlace(sorted.AsSpan(0, n));
    }

    /// <summary>Summarizes values the caller no longer needs: they are sorted in place. NaN must already be removed.</summary>
    internal static DistributionSummary OfSortedInPlace(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return Empty;
        }
        values.Sort();
        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }
        double mean = sum / values.Length;
        double squares = 0;
        foreach (double v in values)
        {
            double d = v - mean;
            squares += d * d;
        }
        return new DistributionSummary(
            values.Length,
            values[0],
            values[^1],
            mean,
            Math.Sqrt(squares / values.Length),
            Percentile(values, 50),
            Percentile(values, 95),
            Percentile(values, 99),
            sum);
    }

    /// <summary>The <paramref name="q"/>-th percentile (0..100) of sorted values, by linear interpolation between closest ranks.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }
        if (double.IsNaN(q) || q < 0 || q > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "percentile must be between 0 and 100");
        }
        double position = (sorted.Length - 1) * q / 100.0;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + ((sorted[above] - sorted[below]) * fraction);
    }
}
