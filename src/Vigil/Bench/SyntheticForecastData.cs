namespace Vigil.Bench;

/// <summary>
/// Seeded synthetic series for <c>vigil bench forecast</c>: seasonal request rates, gauges and counts with a known season,
/// and flat noisy rates like <c>rate(x_total[1m])</c> sampled faster than the scrape.
/// </summary>
internal static class SyntheticForecastData
{
    /// <summary>A named series with the season it was generated with (0 = none).</summary>
    public sealed record Series(string Name, double[] Values, int Period);

    /// <summary>
    /// Twelve seasonal series of ten cycles each: seasons of 24, 96, 144 and 288 points; a sine, a business-day shape
    /// (busy by day, quiet at night) or a sine with its second harmonic; Gaussian noise or Poisson counts; some with a
    /// slow rise. Values are never negative.
    /// </summary>
    public static List<Series> Seasonal(int seed = 17)
    {
        var r = new Random(seed);
        int[] periods = [24, 96, 144, 288];
        string[] shapes = ["sine", "business", "harmonic"];
        var result = new List<Series>();
        for (int i = 0; i < 12; i++)
        {
            int m = periods[i % 4];
            string shape = shapes[i % 3];
            bool counts = i % 2 == 1;
            bool rising = i % 4 == 3;
            double level = 20 + (r.NextDouble() * 480);
            double amplitude = level * (0.3 + (0.5 * r.NextDouble()));
            int n = 10 * m;
            var y = new double[n];
            for (int t = 0; t < n; t++)
            {
                double phase = 2 * Math.PI * (t % m) / m;
                double pattern = shape switch
                {
                    "sine" => Math.Sin(phase),
                    // Note: a smooth day/night shape: near −1 at night, +1 in the afternoon.
                    "business" => (2 * Math.Pow(Math.Max(0, Math.Sin(phase - (Math.PI / 4))), 1.5)) - 1,
                    _ => (0.7 * Math.Sin(phase)) + (0.3 * Math.Sin(2 * phase)),
                };
                double mean = (level * (rising ? 1 + (0.1 * t / n) : 1)) + (amplitude * pattern);
                mean = Math.Max(0, mean);
                y[t] = counts ? Poisson(r, mean) : Math.Max(0, mean + (0.05 * level * Gaussian(r)));
            }
            result.Add(new Series($"seasonal-{i:00}-{shape}-m{m}{(counts ? "-counts" : "")}{(rising ? "-rising" : "")}", y, m));
        }
        return result;
    }

    /// <summary>
    /// Six flat noisy rates: a counter scraped every 15 s growing by Poisson(rate · 15 s) per scrape, its per-second
    /// increase over the last minute sampled every 7 s (the staircase <c>rate(x_total[1m])</c> gives at a short step).
    /// 1000 points each; rates from 0.2/s to 50/s.
    /// </summary>
    public static List<Series> FlatRates(int seed = 23)
    {
        var r = new Random(seed);
        double[] rates = [0.2, 1, 4.09, 4.09, 12, 50];
        var result = new List<Series>();
        foreach (double rate in rates)
        {
            const int n = 1000;
            const double scrape = 15, step = 7;
            int scrapes = (int)(n * step / scrape) + 6;
            var counter = new double[scrapes];
            for (int i = 1; i < scrapes; i++)
            {
                counter[i] = counter[i - 1] + Poisson(r, rate * scrape);
            }
            var y = new double[n];
            for (int k = 0; k < n; k++)
            {
                int last = (int)(((k * step) + 60) / scrape);
                y[k] = (counter[last] - counter[last - 4]) / 60.0;
            }
            result.Add(new Series(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"flat-rate-{rate:0.##}-{result.Count}"), y, 0));
        }
        return result;
    }

    private static double Gaussian(Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A Poisson draw: by multiplication for small means, else the rounded normal approximation.</summary>
    private static double Poisson(Random r, double mean)
    {
        if (mean < 30)
        {
            double limit = Math.Exp(-mean), p = 1;
            int k = 0;
            do
            {
                k++;
                p *= r.NextDouble();
            }
            while (p > limit);
            return k - 1;
        }
        return Math.Max(0, Math.Round(mean + (Math.Sqrt(mean) * Gaussian(r))));
    }
}
