using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Vigil.Analysis.Statistics;

/// <summary>Detects the dominant season of a regularly sampled series from its autocorrelation function (computed by FFT).</summary>
public static class Seasonality
{
    /// <summary>
    /// Finds the period (in points) with the strongest autocorrelation peak between <paramref name="minPeriod"/> and
    /// <paramref name="maxPeriod"/> (default: a third of the length, so at least three cycles are seen); returns period 0
    /// when no peak reaches <paramref name="minStrength"/>. With <paramref name="minProminence"/> &gt; 0 a peak counts only
    /// when the autocorrelation fell at least that much below it at a shorter lag, so the wobble of a smooth series'
    /// slowly falling autocorrelation (a "peak" at lag 2) is not taken for a season.
    /// </summary>
    public static SeasonalityResult Detect(ReadOnlySpan<double> values, int minPeriod = 2, int maxPeriod = 0, double minStrength = 0.3, double minProminence = 0)
    {
        int n = values.Length;
        if (maxPeriod <= 0)
        {
            maxPeriod = n / 3;
        }
        maxPeriod = Math.Min(maxPeriod, n - 2);
        if (minPeriod < 2 || maxPeriod <= minPeriod)
        {
            return default;
        }
        var acf = Autocorrelation(values, maxPeriod + 1);
        if (acf.Length == 0)
        {
            return default;
        }
        // Note: the biased estimator shrinks with the lag by (n − k)/n, which pulls peaks towards shorter lags; undo that.
        for (int k = 1; k < acf.Length; k++)
        {
            acf[k] = Math.Min(1.0, acf[k] * n / (n - k));
        }
        // Note: harmonics (2p, 3p) also peak; take the first peak that is nearly as strong as the strongest one.
        var trough = new double[maxPeriod + 1];
        trough[0] = acf[0];
        for (int k = 1; k <= maxPeriod; k++)
        {
            trough[k] = Math.Min(trough[k - 1], acf[k]);
        }
        double best = double.NegativeInfinity;
        for (int k = minPeriod; k < maxPeriod; k++)
        {
            if (IsPeak(acf, trough, k, minProminence) && acf[k] > best)
            {
                best = acf[k];
            }
        }
        if (best < minStrength)
        {
            return default;
        }
        for (int k = minPeriod; k < maxPeriod; k++)
        {
            if (IsPeak(acf, trough, k, minProminence) && acf[k] >= 0.9 * best)
            {
                return new SeasonalityResult(k, acf[k]);
            }
        }
        return default;
    }

    private static bool IsPeak(double[] acf, double[] trough, int k, double minProminence)
        => acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] - trough[k] >= minProminence;

    /// <summary>
    /// Sharpens a detected <paramref name="period"/> with the autocorrelation peaks at its multiples (up to half the
    /// series): the peak near j·p, divided by j, measures the period j times more finely than the first peak does, which
    /// noise and a trend shift by a point or two. Returns <paramref name="period"/> when no multiple peaks clearly.
    /// </summary>
    public static int Refine(ReadOnlySpan<double> values, int period)
    {
        int n = values.Length;
        if (period < 2 || 2 * period >= n / 2)
        {
            return period;
        }
        var acf = Autocorrelation(values, (n / 2) + 1);
        for (int k = 1; k < acf.Length; k++)
        {
            acf[k] = Math.Min(1.0, acf[k] * n / (n - k));
        }
        double estimate = period;
        for (int j = 2; ; j++)
        {
            int centre = (int)Math.Round(j * estimate);
            int width = Math.Max(1, (int)Math.Round(0.03 * centre));
            if (centre + width >= acf.Length)
            {
                break;
            }
            int at = centre - width;
            for (int k = centre - width + 1; k <= centre + width; k++)
            {
                if (acf[k] > acf[at])
                {
                    at = k;
                }
            }
            if (acf[at] < 0.3 || at == centre - width || at == centre + width)
            {
                break;
            }
            estimate = (double)at / j;
        }
        return Math.Max(2, (int)Math.Round(estimate));
    }

    /// <summary>The sample autocorrelation of the linearly detrended series at lags 0 … <paramref name="lags"/>−1 (biased estimator, r(0) = 1).</summary>
    public static double[] Autocorrelation(ReadOnlySpan<double> values, int lags)
    {
        int n = values.Length;
        if (n < 3)
        {
            return [];
        }
        lags = Math.Min(lags, n);
        var (slope, intercept) = LeastSquares(values);
        int size = 1;
        while (size < 2 * n)
        {
            size <<= 1;
        }
        var buffer = new Complex[size];
        for (int i = 0; i < n; i++)
        {
            buffer[i] = new Complex(values[i] - (intercept + (slope * i)), 0);
        }
        Fourier.Forward(buffer, FourierOptions.NoScaling);
        for (int i = 0; i < size; i++)
        {
            double m = buffer[i].Magnitude;
            buffer[i] = new Complex(m * m, 0);
        }
        Fourier.Inverse(buffer, FourierOptions.NoScaling);
        var acf = new double[lags];
        double r0 = buffer[0].Real;
        if (!(r0 > 1e-300))
        {
            return acf;
        }
        for (int k = 0; k < lags; k++)
        {
            acf[k] = buffer[k].Real / r0;
        }
        return acf;
    }

    private static (double Slope, double Intercept) LeastSquares(ReadOnlySpan<double> y)
    {
        int n = y.Length;
        double mx = (n - 1) / 2.0, my = 0;
        for (int i = 0; i < n; i++)
        {
            my += y[i];
        }
        my /= n;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            sxy += (i - mx) * (y[i] - my);
            sxx += (i - mx) * (i - mx);
        }
        double slope = sxx > 0 ? sxy / sxx : 0;
        return (slope, my - (slope * mx));
    }
}
