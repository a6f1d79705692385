using MathNet.Numerics;

namespace Vigil.Analysis.Statistics;

/// <summary>Robust trend estimation: Theil–Sen slope with the Mann–Kendall test for a monotonic trend.</summary>
public static class Trend
{
    /// <summary>Estimates the trend of y over x (x need not be evenly spaced; pairs with equal x are skipped for the slope).</summary>
    /// <remarks>O(n²) pairs; pass at most a few thousand points (downsample longer series).</remarks>
    public static TrendResult TheilSen(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        if (y.Length != n)
        {
            throw new ArgumentException($"x has {n} values, y has {y.Length}.", nameof(y));
        }
        if (n < 3)
        {
            throw new ArgumentException($"a trend needs at least 3 points, got {n}.", nameof(x));
        }
        var slopes = new List<double>(n * (n - 1) / 2);
        double s = 0;
        for (int i = 0; i < n - 1; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double dx = x[j] - x[i];
                double dy = y[j] - y[i];
                if (dx != 0)
                {
                    slopes.Add(dy / dx);
                }
                // Mann–Kendall orders by x (time); pairs tied in x contribute nothing.
                s += Math.Sign(dx) * Math.Sign(dy);
            }
        }
        double slope = slopes.Count == 0 ? 0 : Median(slopes);
        var residuals = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            residuals.Add(y[i] - (slope * x[i]));
        }
        double intercept = Median(residuals);

        // Variance of S under H0 with the tie correction for groups of equal y.
        var sorted = y.ToArray();
        Array.Sort(sorted);
        double tieTerm = 0;
        for (int i = 0; i < n;)
        {
            int k = i;
            while (k < n && sorted[k] == sorted[i])
            {
                k++;
            }
            int t = k - i;
            tieTerm += t * (t - 1.0) * ((2.0 * t) + 5);
            i = k;
        }
        double variance = ((n * (n - 1.0) * ((2.0 * n) + 5)) - tieTerm) / 18.0;
        double z = variance <= 0 ? 0 : s > 0 ? (s - 1) / Math.Sqrt(variance) : s < 0 ? (s + 1) / Math.Sqrt(variance) : 0;
        double p = SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2));
        return new TrendResult(slope, intercept, s, s / (n * (n - 1) / 2.0), z, p);
    }

    /// <summary>Estimates the trend of evenly spaced values (x = 0, 1, 2, …).</summary>
    public static TrendResult TheilSen(ReadOnlySpan<double> y)
    {
        var x = new double[y.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i;
        }
        return TheilSen(x, y);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
