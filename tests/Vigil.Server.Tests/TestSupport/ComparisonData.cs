using System.Globalization;
using System.Text;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// A deterministic OpenMetrics data set (with timestamps) for comparing query answers with real Prometheus: request
/// counters (one with a reset), temperature gauges, a latency histogram, a gauge that stops half-way, <c>up</c> and an
/// info metric. Two hours at a 15 s interval from <see cref="Start"/>.
/// </summary>
/// <remarks>
/// Note: every series has its own offset with a millisecond part, so no sample ever sits exactly on a range or lookback
/// boundary of the whole-second query times: Prometheus 2 (closed ranges) and 3 (left-open ranges) then agree.
/// Counters start far from zero, so the zero-point clamp of rate extrapolation (ordered differently in 2 and 3) never
/// applies; <c>le</c> values are written in the normalised float form Prometheus 3 stores (<c>1.0</c>, not <c>1</c>).
/// </remarks>
internal static class ComparisonData
{
    /// <summary>First sample time, Unix seconds.</summary>
    public const long Start = 1_700_000_000;

    public const int Interval = 15;

    public const int Samples = 2 * 3600 / Interval;

    private static readonly string[] Jobs = ["api", "web"];
    private static readonly string[] Instances = ["host-1:8080", "host-2:8080", "host-3:8080"];
    private static readonly string[] Les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"];

    /// <summary>Writes the data set as OpenMetrics text ending with <c># EOF</c>.</summary>
    public static string Generate()
    {
        var rnd = new Random(42);
        var sb = new StringBuilder(4 << 20);
        int seriesNo = 0;

        sb.Append("# HELP http_requests Requests served.\n# TYPE http_requests counter\n");
        foreach (var job in Jobs)
        {
            foreach (var instance in Instances)
            {
                foreach (var code in new[] { "200", "500" })
                {
                    double v = 10_000 + rnd.Next(90_000);
                    bool reset = job == "web" && instance == Instances[1] && code == "200";
                    long offset = Offset(seriesNo++);
                    string labels = $"code=\"{code}\",instance=\"{instance}\",job=\"{job}\",method=\"get\"";
                    for (int i = 0; i < Samples; i++)
                    {
                        v += code == "200" ? rnd.Next(5, 60) : rnd.Next(0, 3);
                        if (reset && i == Samples / 2)
                        {
                            v = 7;
                        }
                        Line(sb, "http_requests_total", labels, v, i, offset);
                    }
                }
            }
        }

        sb.Append("# HELP node_temperature_celsius Sensor temperature.\n# TYPE node_temperature_celsius gauge\n");
        foreach (var instance in Instances)
        {
            foreach (var sensor in new[] { "cpu", "gpu" })
            {
                double v = 40 + rnd.Next(20);
                long offset = Offset(seriesNo++);
                for (int i = 0; i < Samples; i++)
                {
                    v = Math.Round(Math.Clamp(v + ((rnd.NextDouble() - 0.5) * 3), 20, 95), 2);
                    Line(sb, "node_temperature_celsius", $"instance=\"{instance}\",sensor=\"{sensor}\"", v, i, offset);
                }
            }
        }

        sb.Append("# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n");
        foreach (var job in Jobs)
        {
            foreach (var instance in Instances)
            {
                var buckets = new double[Les.Length];
                double sum = 0;
                long offset = Offset(seriesNo++);
                for (int i = 0; i < Samples; i++)
                {
                    int requests = rnd.Next(20, 80);
                    for (int r = 0; r < requests; r++)
                    {
                        // Log-normal-ish latency around 80 ms; the slow job is three times slower.
                        double latency = Math.Exp(Math.Log(job == "web" ? 0.24 : 0.08) + (0.9 * Normal(rnd)));
                        sum += latency;
                        for (int b = 0; b < Les.Length; b++)
                        {
                            if (b == Les.Length - 1 || latency <= double.Parse(Les[b], CultureInfo.InvariantCulture))
                            {
                                buckets[b]++;
                            }
                        }
                    }
                    string common = $"instance=\"{instance}\",job=\"{job}\"";
                    for (int b = 0; b < Les.Length; b++)
                    {
                        Line(sb, "http_request_duration_seconds_bucket", $"{common},le=\"{Les[b]}\"", buckets[b], i, offset);
                    }
                    Line(sb, "http_request_duration_seconds_count", common, buckets[^1], i, offset);
                    Line(sb, "http_request_duration_seconds_sum", common, Math.Round(sum, 6), i, offset);
                }
            }
        }

        sb.Append("# HELP queue_depth Items waiting.\n# TYPE queue_depth gauge\n");
        foreach (var instance in Instances)
        {
            long offset = Offset(seriesNo++);
            // The queue of host-3 goes away after 90 minutes.
            int samples = instance == Instances[2] ? Samples * 3 / 4 : Samples;
            for (int i = 0; i < samples; i++)
            {
                Line(sb, "queue_depth", $"instance=\"{instance}\"", rnd.Next(0, 50), i, offset);
            }
        }

        sb.Append("# HELP up Whether the target is up.\n# TYPE up gauge\n");
        foreach (var job in Jobs)
        {
            foreach (var instance in Instances)
            {
                long offset = Offset(seriesNo++);
                for (int i = 0; i < Samples; i++)
                {
                    Line(sb, "up", $"instance=\"{instance}\",job=\"{job}\"", job == "web" && instance == Instances[2] ? 0 : 1, i, offset);
                }
            }
        }

        sb.Append("# HELP app_info Application version.\n# TYPE app_info gauge\n");
        foreach (var instance in Instances)
        {
            long offset = Offset(seriesNo++);
            for (int i = 0; i < Samples; i++)
            {
                Line(sb, "app_info", $"instance=\"{instance}\",version=\"1.{instance[5]}.0\"", 1, i, offset);
            }
        }
        sb.Append("# EOF\n");
        return sb.ToString();
    }

    /// <summary>Milliseconds after the scrape slot at which series number <paramref name="n"/> is sampled (never whole seconds).</summary>
    private static long Offset(int n) => ((1 + (n * 7 % 13)) * 1000L) + 1 + (n * 37 % 998);

    private static double Normal(Random rnd) => Math.Sqrt(-2 * Math.Log(1 - rnd.NextDouble())) * Math.Cos(2 * Math.PI * rnd.NextDouble());

    private static void Line(StringBuilder sb, string name, string labels, double value, int i, long offsetMs)
    {
        long t = (Start * 1000) + (i * Interval * 1000L) + offsetMs;
        sb.Append(name).Append('{').Append(labels).Append("} ")
            .Append(value.ToString("R", CultureInfo.InvariantCulture)).Append(' ')
            .Append((t / 1000).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((t % 1000).ToString("D3", CultureInfo.InvariantCulture)).Append('\n');
    }
}
