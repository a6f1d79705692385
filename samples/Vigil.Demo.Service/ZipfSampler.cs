namespace Vigil.Demo.Service;

/// <summary>Draws ranks 1..n with probability proportional to 1/rank^s (a few keys are hot, most are cold), as real caches see.</summary>
/// <remarks>Not thread-safe (one per generator loop).</remarks>
internal sealed class ZipfSampler
{
    private readonly double[] _cdf;
    private readonly Random _random;

    public ZipfSampler(int n, double exponent, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _random = random;
        _cdf = new double[n];
        double sum = 0;
        for (int k = 1; k <= n; k++)
        {
            sum += 1 / Math.Pow(k, exponent);
            _cdf[k - 1] = sum;
        }
        for (int i = 0; i < n; i++)
        {
            _cdf[i] /= sum;
        }
    }

    /// <summary>The next rank, from 1 to n.</summary>
    public int Next()
    {
        int i = Array.BinarySearch(_cdf, _random.NextDouble());
        return Math.Min(i < 0 ? ~i : i, _cdf.Length - 1) + 1;
    }
}
