using System.Globalization;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Bench;

/// <summary>
/// Generates realistic node-exporter-like data: per host, CPU/memory/disk/network/filesystem counters and gauges
/// scraped every interval with ±5 ms jitter shared by all series of one scrape, values with the precision real
/// exporters produce. Deterministic for a given seed.
/// </summary>
internal sealed class SyntheticNodeData
{
    private readonly List<SeriesSpec> _series = new();
    private readonly int _hosts;

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

    /// <summary>Creates a data set of about <paramref name="targetSeries"/> series.</summary>
    public SyntheticNodeData(int targetSeries, int seed = 1)
    {
        var rnd = new Random(seed);
        // Per host: 4 cpus × 8 modes + 2 mem + load + 2 disks × 2 + 2 nics × 2 + 3 fs + ctxt = 47 series.
        const int perHost = 47;
        _hosts = Math.Max(1, (targetSeries + perHost - 1) / perHost);
        for (int h = 0; h < _hosts && _series.Count < targetSeries; h++)
        {
            string instance = $"host-{h:D5}:9100";
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
        if (_series.Count > targetSeries)
        {
            _series.RemoveRange(targetSeries, _series.Count - targetSeries);
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

    /// <summary>The series of the data set.</summary>
    public IReadOnlyList<SeriesSpec> Series => _series;

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
        w.WriteLine("# EOF");
    }

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
