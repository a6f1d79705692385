namespace Vigil.Optimizer.Model;

/// <summary>Summary statistics of one metric in one window (baseline or observation).</summary>
public sealed record WindowStatistics
{
    /// <summary>The number of values (query steps with a value).</summary>
    public int Count { get; init; }

    /// <summary>The mean, or NaN without values.</summary>
    public double Mean { get; init; } = double.NaN;

    /// <summary>The median, or NaN without values.</summary>
    public double Median { get; init; } = double.NaN;

    /// <summary>The sample standard deviation, or NaN with fewer than two values.</summary>
    public double StdDev { get; init; } = double.NaN;

    /// <summary>The smallest value, or NaN without values.</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>The largest value, or NaN without values.</summary>
    public double Max { get; init; } = double.NaN;

    /// <summary>Computes the statistics of <paramref name="values"/> (NaN values must have been removed).</summary>
    public static WindowStatistics Of(ReadOnlySpan<double> values)
    {
        if (values.Length == 0)
        {
            return new WindowStatistics();
        }
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (double v in sorted)
        {
            sum += v;
        }
        double mean = sum / sorted.Length;
        double sq = 0;
        foreach (double v in sorted)
        {
            sq += (v - mean) * (v - mean);
        }
        int mid = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new WindowStatistics
        {
            Count = sorted.Length,
            Mean = mean,
            Median = median,
            StdDev = sorted.Length > 1 ? Math.Sqrt(sq / (sorted.Length - 1)) : double.NaN,
            Min = sorted[0],
            Max = sorted[^1],
        };
    }
}
