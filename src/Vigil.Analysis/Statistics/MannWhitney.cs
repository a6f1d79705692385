using MathNet.Numerics;

namespace Vigil.Analysis.Statistics;

/// <summary>The Mann–Whitney U test (Wilcoxon rank-sum) for comparing two independent samples, e.g. before and after a change.</summary>
public static class MannWhitney
{
    /// <summary>Both samples at most this size and no ties: the p-value is computed from the exact distribution of U.</summary>
    public const int ExactLimit = 25;

    /// <summary>Tests whether A and B come from the same distribution (two-sided); <paramref name="allowExact"/> = false forces the normal approximation.</summary>
    public static MannWhitneyResult Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b, bool allowExact = true)
    {
        int n1 = a.Length, n2 = b.Length;
        if (n1 == 0 || n2 == 0)
        {
            throw new ArgumentException($"both samples need values (sizes {n1} and {n2}).");
        }
        int n = n1 + n2;
        var values = new double[n];
        var fromA = new bool[n];
        for (int i = 0; i < n1; i++)
        {
            if (double.IsNaN(a[i]))
            {
                throw new ArgumentException($"sample A value {i} is NaN.", nameof(a));
            }
            values[i] = a[i];
            fromA[i] = true;
        }
        for (int i = 0; i < n2; i++)
        {
            if (double.IsNaN(b[i]))
            {
                throw new ArgumentException($"sample B value {i} is NaN.", nameof(b));
            }
            values[n1 + i] = b[i];
        }
        Array.Sort(values, fromA);
        double rankSumA = 0, tieTerm = 0;
        bool ties = false;
        for (int i = 0; i < n;)
        {
            int k = i;
            while (k < n && values[k] == values[i])
            {
                k++;
            }
            double rank = (i + k + 1) / 2.0; // average of ranks i+1 … k
            for (int j = i; j < k; j++)
            {
                if (fromA[j])
                {
                    rankSumA += rank;
                }
            }
            int t = k - i;
            if (t > 1)
            {
                ties = true;
                tieTerm += ((double)t * t * t) - t;
            }
            i = k;
        }
        double u = rankSumA - (n1 * (n1 + 1) / 2.0);
        double pairs = (double)n1 * n2;
        double effect = (2 * u / pairs) - 1;
        double mean = pairs / 2;
        double variance = pairs / 12.0 * ((n + 1) - (tieTerm / ((double)n * (n - 1))));
        double z = 0;
        if (variance > 0)
        {
            double d = u - mean;
            z = (d - (0.5 * Math.Sign(d))) / Math.Sqrt(variance);
            if (Math.Sign(z) != Math.Sign(d))
            {
                z = 0;
            }
        }
        if (allowExact && !ties && n1 <= ExactLimit && n2 <= ExactLimit)
        {
            double lowTail = ExactCdf(n1, n2, (int)Math.Round(Math.Min(u, pairs - u)));
            return new MannWhitneyResult(u, z, Math.Min(1.0, 2 * lowTail), effect, true);
        }
        double p = variance > 0 ? SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2)) : 1.0;
        return new MannWhitneyResult(u, z, Math.Min(1.0, p), effect, false);
    }

    /// <summary>P(U ≤ u) under H0 for sample sizes n1 and n2, by counting rank arrangements.</summary>
    internal static double ExactCdf(int n1, int n2, int u)
    {
        // Note: counts[i][j][v] = arrangements of i A's and j B's with U = v; built up with the last element being an A
        // (adds j to U) or a B (adds nothing). Kept as doubles: C(50, 25) ≈ 1.3e14 is exact in a double.
        int max = n1 * n2;
        var prev = new double[n2 + 1][];
        for (int j = 0; j <= n2; j++)
        {
            prev[j] = new double[max + 1];
            prev[j][0] = 1; // zero A's: one arrangement, U = 0
        }
        for (int i = 1; i <= n1; i++)
        {
            var cur = new double[n2 + 1][];
            for (int j = 0; j <= n2; j++)
            {
                cur[j] = new double[max + 1];
                for (int v = 0; v <= i * j; v++)
                {
                    double withA = v - j >= 0 ? prev[j][v - j] : 0;
                    double withB = j > 0 ? cur[j - 1][v] : 0;
                    cur[j][v] = withA + withB;
                }
            }
            prev = cur;
        }
        double total = 0, below = 0;
        for (int v = 0; v <= max; v++)
        {
            total += prev[n2][v];
            if (v <= u)
            {
                below += prev[n2][v];
            }
        }
        return below / total;
    }
}
