using System.Globalization;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Bench;

/// <summary>
/// Generates realistic node-exporter-like data: per host, CPU/memory/disk/network/filesystem counters and gauges
/// scraped every interval with ±5 ms jitter shared by all series of one scrape, values with the precision real
/// exporters produce; optionally a request-latency histogram per host (12 buckets, sum, count). Deterministic for a
/// given seed.
/// </summary>
internal sealed class SyntheticNodeData
{
    private readonly List<SeriesSpec> _series = new();
    private readonly List<HistogramSpec> _histograms = new();
    private readonly int _hosts;

    /// <summary>Name of the optional histogram family; its series are <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.</summary>
    public const string HistogramFamily = "http_request_duration_seconds";

    /// <summary>
    /// Upper bounds of the histogram's buckets in the normalised float form (<c>1.0</c>, not <c>1</c>) that Prometheus 3
    /// and Vigil store, so every importer keeps the same <c>le</c> values.
    /// </summary>
    private static readonly string[] HistogramBounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"];

    /// <summary>Series of one host's histogram: the buckets, <c>_sum</c> and <c>_count</c>.</summary>
    private const int HistogramSeriesPerHost = 14;

    /// <summary>Families in output order with their type.</summary>
    public static readonly (string Name, string Type, string Help)[] Families =
    [
        ("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode."),
        ("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes."),
        ("node_memory_Cached_bytes", "gauge", "Memory information field Cached_bytes."),
        ("node_load1", "gauge", "1m load average."),
        ("node_disk_read_bytes_total", "counter", "The total number of bytes read successfully."),
        ("node_disk_io_time_seconds_total", "counter", "Total seconds spent doing I/Os."),
        ("node_network_receive_bytes_total", "counter", "Network device statistic receive_bytes."),
        ("node_network_transmit_packets_total", "counter", "Network device statistic transmit_packets."),
        ("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users in bytes."),
        ("node_context_switches_total", "counter", "Total number of context switches."),
    ];

    private static readonly string[] Modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];

    /// <summary>Creates a data set of <paramref name="targetSeries"/> series, with a latency histogram per host when asked.</summary>
    public SyntheticNodeData(int targetSeries, int seed = 1, bool histograms = false)
    {
        var rnd = new Random(seed);
        // Per host: 4 cpus × 8 modes + 2 mem + load + 2 disks × 2 + 2 nics × 2 + 3 fs + ctxt = 47 series (+ 14 histogram series).
        int perHost = 47 + (histograms ? HistogramSeriesPerHost : 0);
        _hosts = Math.Max(1, (targetSeries + perHost - 1) / perHost);
        for (int h = 0; h < _hosts && SeriesCount < targetSeries; h++)
        {
            string instance = $"host-{h:D5}:9100";
            if (histograms)
            {
                _histograms.Add(new HistogramSpec(instance, h, Math.Log(0.03 + (rnd.NextDouble() * 0.15)), 5 + (rnd.NextDouble() * 95), rnd.Next()));
            }
            for (int cpu = 0; cpu < 4; cpu++)
            {
                foreach (var mode in Modes)
                {
                    // Note: as on real hosts, steal and nice stay flat and irq/softirq move rarely.
                    double rate = mode switch { "idle" => 0.7, "user" => 0.15, "system" => 0.08, "iowait" => 0.02, "steal" or "nice" => 0, _ => 0.0005 };
                    Add(h, 0, Kind.Counter, rate * (0.5 + rnd.NextDouble()), 0.01, rnd.NextDouble() * 1e6, "cpu", cpu.ToString(CultureInfo.InvariantCulture), "instance", instance, "job", "node", "mode", mode);
                }
            }
            Add(h, 1, Kind.Gauge, 8e9 * (0.2 + rnd.NextDouble()), 4096, 0, "instance", instance, "job", "node");
            Add(h, 2, Kind.Gauge, 2e9 * (0.2 + rnd.NextDouble()), 4096, 0, "instance", instance, "job", "node");
            Add(h, 3, Kind.Load, 0.5 + (rnd.NextDouble() * 3), 0.01, 0, "instance", instance, "job", "node");
            foreach (var dev in new[] { "sda", "nvme0n1" })
            {
                Add(h, 4, Kind.Counter, 2e5 * rnd.NextDouble(), 512, rnd.NextDouble() * 1e12, "device", dev, "instance", instance, "job", "node");
                Add(h, 5, Kind.Counter, 0.05 * rnd.NextDouble(), 0.001, rnd.NextDouble() * 1e5, "device", dev, "instance", instance, "job", "node");
            }
            foreach (var dev in new[] { "eth0", "lo" })
            {
                Add(h, 6, Kind.Counter, 5e4 * rnd.NextDouble(), 1, rnd.NextDouble() * 1e12, "device", dev, "instance", instance, "job", "node");
                Add(h, 7, Kind.Counter, 100 * rnd.NextDouble(), 1, rnd.NextDouble() * 1e9, "device", dev, "instance", instance, "job", "node");
            }
            foreach (var (mp, dev) in new[] { ("/", "/dev/sda1"), ("/boot", "/dev/sda2"), ("/var", "/dev/nvme0n1p1") })
            {
                Add(h, 8, Kind.SlowGauge, 5e10 * (0.1 + rnd.NextDouble()), 4096, 0, "device", dev, "fstype", "ext4", "instance", instance, "job", "node", "mountpoint", mp);
            }
            Add(h, 9, Kind.Counter, 2000 + (rnd.NextDouble() * 8000), 1, rnd.NextDouble() * 1e10, "instance", instance, "job", "node");
        }
        if (SeriesCount > targetSeries)
        {
            _series.RemoveRange(_series.Count - (SeriesCount - targetSeries), SeriesCount - targetSeries);
        }

        void Add(int host, int family, Kind kind, double level, double quantum, double start, params string[] labels)
        {
            var all = new string[labels.Length + 2];
            all[0] = "__name__";
            all[1] = Families[family].Name;
            labels.CopyTo(all, 2);
            _series.Add(new SeriesSpec(LabelSet.Of(all), host, family, kind, level, quantum, start, rnd.Next()));
        }
    }

    /// <summary>The counter and gauge series of the data set (the histogram series are generated per host).</summary>
    public IReadOnlyList<SeriesSpec> Series => _series;

    /// <summary>All series, histogram series included.</summary>
    public int SeriesCount => _series.Count + (_histograms.Count * HistogramSeriesPerHost);

    /// <summary>Number of hosts (scrape targets).</summary>
    public int Hosts => _hosts;

    /// <summary>Timestamp (ms) of scrape <paramref name="i"/> of <paramref name="host"/>: regular steps with ±5 ms jitter.</summary>
    public static long ScrapeTime(long start, long intervalMs, int host, int i)
    {
        uint h = (uint)((host * 73856093) ^ (i * 19349663));
        h ^= h >> 13;
        h *= 0x5bd1e995;
        h ^= h >> 15;
        int jitter = (int)(h % 11) - 5;
        return start + (i * intervalMs) + ((host * 7919L) % intervalMs) + jitter;
    }

    /// <summary>Writes all samples as OpenMetrics text, grouped by family then series (valid for promtool).</summary>
    public void WriteOpenMetrics(TextWriter w, long startMs, long intervalMs, int samplesPerSeries)
    {
        var sb = new StringBuilder(256);
        for (int f = 0; f < Families.Length; f++)
        {
            var (name, type, help) = Families[f];
            string familyName = type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^6] : name;
            w.Write("# HELP "); w.Write(familyName); w.Write(' '); w.WriteLine(help);
            w.Write("# TYPE "); w.Write(familyName); w.Write(' '); w.WriteLine(type);
            foreach (var s in _series)
            {
                if (s.Family != f)
                {
                    continue;
                }
                string series = SeriesText(s.Labels);
                var gen = s.CreateGenerator();
                for (int i = 0; i < samplesPerSeries; i++)
                {
                    long t = ScrapeTime(startMs, intervalMs, s.Host, i);
                    double v = gen.Next(intervalMs);
                    sb.Clear();
                    sb.Append(series).Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture)).Append(' ');
                    sb.Append((t / 1000).ToString(CultureInfo.InvariantCulture)).Append('.').Append((t % 1000).ToString("D3", CultureInfo.InvariantCulture));
                    w.WriteLine(sb);
                }
            }
        }
        if (_histograms.Count > 0)
        {
            WriteHistograms(w, startMs, intervalMs, samplesPerSeries, sb);
        }
        w.WriteLine("# EOF");
    }

    /// <summary>
    /// Writes each host's histogram, one complete metric point (all buckets, count, sum) per scrape. Requests per scrape
    /// and the log-normal latency drift slowly; bucket counts are the expected cumulative shares, so they never decrease.
    /// </summary>
    private void WriteHistograms(TextWriter w, long startMs, long intervalMs, int samplesPerSeries, StringBuilder sb)
    {
        const double sigma = 0.8;
        w.Write("# HELP "); w.Write(HistogramFamily); w.WriteLine(" Latency of HTTP requests.");
        w.Write("# TYPE "); w.Write(HistogramFamily); w.WriteLine(" histogram");
        var bounds = new double[HistogramBounds.Length];
        for (int b = 0; b < bounds.Length; b++)
        {
            bounds[b] = HistogramBounds[b] == "+Inf" ? double.PositiveInfinity : double.Parse(HistogramBounds[b], CultureInfo.InvariantCulture);
        }
        var cumulative = new long[bounds.Length];
        foreach (var h in _histograms)
        {
            var rnd = new Random(h.Seed);
            Array.Clear(cumulative);
            double sum = 0;
            double phase = rnd.NextDouble() * 2 * Math.PI;
            string common = "instance=\"" + h.Instance + "\",job=\"node\"";
            for (int i = 0; i < samplesPerSeries; i++)
            {
                long t = ScrapeTime(startMs, intervalMs, h.Host, i);
                double mu = h.LogMedian + (0.3 * Math.Sin(phase + (2 * Math.PI * i / 240))) + ((rnd.NextDouble() - 0.5) * 0.1);
                long requests = (long)Math.Round(h.RequestsPerSecond * (intervalMs / 1000.0) * (0.8 + (0.4 * rnd.NextDouble())));
                for (int b = 0; b < bounds.Length; b++)
                {
                    double share = double.IsPositiveInfinity(bounds[b]) ? 1 : NormalCdf((Math.Log(bounds[b]) - mu) / sigma);
                    cumulative[b] += (long)Math.Floor(requests * share);
                }
                cumulative[^1] = Math.Max(cumulative[^1], cumulative[^2]);
                sum += requests * Math.Exp(mu + (sigma * sigma / 2));
                for (int b = 0; b < bounds.Length; b++)
                {
                    HistogramLine(w, sb, "_bucket{" + common + ",le=\"" + HistogramBounds[b] + "\"}", cumulative[b].ToString(CultureInfo.InvariantCulture), t);
                }
                HistogramLine(w, sb, "_count{" + common + "}", cumulative[^1].ToString(CultureInfo.InvariantCulture), t);
                HistogramLine(w, sb, "_sum{" + common + "}", Math.Round(sum, 3).ToString("R", CultureInfo.InvariantCulture), t);
            }
        }
    }

    private static void HistogramLine(TextWriter w, StringBuilder sb, string series, string value, long t)
    {
        sb.Clear();
        sb.Append(HistogramFamily).Append(series).Append(' ').Append(value).Append(' ');
        sb.Append((t / 1000).ToString(CultureInfo.InvariantCulture)).Append('.').Append((t % 1000).ToString("D3", CultureInfo.InvariantCulture));
        w.WriteLine(sb);
    }

    /// <summary>The standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7: plenty for synthetic data).</summary>
    private static double NormalCdf(double x)
    {
        double z = Math.Abs(x) / Math.Sqrt(2);
        double t = 1 / (1 + (0.3275911 * z));
        double poly = ((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t;
        double erf = 1 - (poly * Math.Exp(-z * z));
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }

    /// <summary>One host's latency histogram: log of the median latency in seconds, request rate, generator seed.</summary>
    private sealed record HistogramSpec(string Instance, int Host, double LogMedian, double RequestsPerSecond, int Seed);

    private static string SeriesText(LabelSet labels)
    {
        var sb = new StringBuilder();
        sb.Append(labels.Name).Append('{');
        bool first = true;
        foreach (var l in labels.AsSpan())
        {
            if (l.Name == LabelSet.MetricName)
            {
                continue;
            }
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(l.Name).Append("=\"").Append(l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>How a series' values evolve.</summary>
    internal enum Kind
    {
        Counter,
        Gauge,
        Load,
        SlowGauge,
    }

    /// <summary>One series: labels, host (scrape target), family and value model.</summary>
    internal sealed record SeriesSpec(LabelSet Labels, int Host, int Family, Kind Kind, double Level, double Quantum, double Start, int Seed)
    {
        /// <summary>A fresh value generator (deterministic).</summary>
        public ValueGenerator CreateGenerator() => new(this);
    }

    /// <summary>Produces successive values of a series.</summary>
    internal sealed class ValueGenerator(SeriesSpec spec)
    {
        private readonly Random _rnd = new(spec.Seed);
        private double _v = spec.Kind == Kind.Counter ? spec.Start : spec.Level;
        private int _i;

        public double Next(long intervalMs)
        {
            double q = spec.Quantum;
            switch (spec.Kind)
            {
                case Kind.Counter:
                    if (_i > 0 && spec.Level > 0)
                    {
                        _v += spec.Level * (intervalMs / 1000.0) * (0.5 + _rnd.NextDouble());
                    }
                    break;
                case Kind.Gauge:
                    _v = Math.Max(0, _v + ((_rnd.NextDouble() - 0.5) * spec.Level * 0.02));
                    break;
                case Kind.Load:
                    _v = Math.Max(0, (_v * 0.92) + (spec.Level * 0.08) + ((_rnd.NextDouble() - 0.5) * 0.3));
                    break;
                case Kind.SlowGauge:
                    if (_rnd.Next(20) == 0)
                    {
                        _v -= _rnd.Next(1, 2000) * 4096.0;
                    }
                    break;
            }
            _i++;
            return Math.Round(_v / q) * q is var r && q >= 1 ? r : Math.Round(_v, Decimals(q));
        }

        private static int Decimals(double q) => q >= 1 ? 0 : (int)Math.Round(-Math.Log10(q));
    }
}
