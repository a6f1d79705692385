namespace Vigil.Analysis.Tests;

/// <summary>Seeded synthetic series for detector and statistics tests.</summary>
internal static class Synthetic
{
    public static double Gaussian(Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>level + slope·t + amplitude·sin(2πt/period) + N(0, noise²).</summary>
    public static double[] Series(int n, int seed, double level = 100, double noise = 1, double slope = 0, double amplitude = 0, int period = 24)
    {
        var r = new Random(seed);
        var y = new double[n];
        for (int t = 0; t < n; t++)
        {
            y[t] = level + (slope * t) + (amplitude * Math.Sin(2 * Math.PI * t / period)) + (noise * Gaussian(r));
        }
        return y;
    }

    public static double[] Run(Vigil.Analysis.Anomaly.IStreamingDetector d, double[] values)
    {
        var scores = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            scores[i] = d.Score(1_700_000_000_000L + (i * 15_000L), values[i]);
        }
        return scores;
    }
}
