using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;

namespace Vigil.Benchmarks;

/// <summary>Node-exporter-like series scraped every 15 s with ±5 ms jitter, for block benchmarks.</summary>
public static class ScrapeData
{
    /// <summary>One hour in milliseconds.</summary>
    public const long Hour = 3_600_000;

    /// <summary>A 2 h-aligned start time.</summary>
    public const long Start = 1_700_006_400_000;

    /// <summary>
    /// <paramref name="seriesCount"/> series sorted by labels, each with <paramref name="samples"/> samples from
    /// <paramref name="start"/> (every 15 s, ±5 ms jitter), in chunks of 120. The mix follows a node exporter: half the
    /// series are constant or change rarely (info metrics, sizes, error counters: a change in 1 % of scrapes), 15 %
    /// CPU-seconds counters (0.01 s resolution), 15 % byte and packet counters, 10 % memory gauges in pages (half the
    /// scrapes change), 10 % two-decimal gauges (load, temperatures) on a random walk.
    /// </summary>
    public static List<BlockSeries> Generate(int seriesCount, int samples, long start, int seed = 7)
    {
        var rnd = new Random(seed);
        var result = new List<BlockSeries>(seriesCount);
        var t = new long[samples];
        var v = new double[samples];
        for (int i = 0; i < seriesCount; i++)
        {
            int kind = i % 20;
            string instance = $"host-{i / 200:D3}:9100";
            string idx = (i % 200).ToString("D3", CultureInfo.InvariantCulture);
            var labels = kind switch
            {
                < 10 => LabelSet.Of("__name__", "node_network_receive_errs_total", "device", "eth" + idx, "instance", instance, "job", "node"),
                < 13 => LabelSet.Of("__name__", "node_cpu_seconds_total", "cpu", idx, "instance", instance, "job", "node", "mode", Modes[i % Modes.Length]),
                < 16 => LabelSet.Of("__name__", "node_network_receive_bytes_total", "device", "eth" + idx, "instance", instance, "job", "node"),
                < 18 => LabelSet.Of("__name__", "node_memory_MemAvailable_bytes", "instance", instance, "job", "node", "slot", idx),
                _ => LabelSet.Of("__name__", "node_load1", "instance", instance, "job", "node", "slot", idx),
            };
            double value = kind switch
            {
                < 10 => rnd.Next(3) == 0 ? 4096.0 * rnd.Next(1_000_000, 100_000_000) : rnd.Next(0, 50),
                < 13 => Math.Round(rnd.NextDouble() * 100_000, 2),
                < 16 => rnd.Next(1, 1 << 30),
                < 18 => 4096.0 * rnd.Next(100_000, 4_000_000),
                _ => Math.Round(rnd.NextDouble() * 4, 2),
            };
            for (int k = 0; k < samples; k++)
            {
                t[k] = start + 10 + (k * 15_000L) + rnd.Next(-5, 6);
                value = kind switch
                {
                    < 10 => rnd.Next(100) == 0 ? value + 1 : value,
                    < 13 => Math.Round(value + (rnd.NextDouble() * 15), 2),
                    < 16 => value + rnd.Next(0, 200_000),
                    < 18 => rnd.Next(2) == 0 ? value + (4096.0 * rnd.Next(-500, 500)) : value,
                    _ => Math.Round(Math.Max(0, value + ((rnd.NextDouble() - 0.5) * 0.2)), 2),
                };
                v[k] = value;
            }
            var chunks = new List<ChunkMeta>();
            for (int k = 0; k < samples; k += 120)
            {
                var chunk = new XorChunk();
                var app = chunk.Appender();
                int end = Math.Min(samples, k + 120);
                for (int j = k; j < end; j++)
                {
                    app.Append(t[j], v[j]);
                }
                chunks.Add(new ChunkMeta(t[k], t[end - 1], chunk));
            }
            result.Add(new BlockSeries(labels, chunks));
        }
        result.Sort((a, b) => LabelSet.Compare(a.Labels, b.Labels));
        return result;
    }

    private static readonly string[] Modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];

    /// <summary>Writes a full 2 h block (10k series × 480 samples) and reports bytes per sample, total and by file.</summary>
    public static string MeasureBytesPerSample(string dir, int seriesCount = 10_000)
    {
        var series = Generate(seriesCount, 480, Start);
        var meta = new BlockWriter().Write(dir, series, Start, Start + (2 * Hour));
        string blockDir = Path.Combine(dir, meta.Ulid.ToString());
        long index = new FileInfo(Path.Combine(blockDir, "index")).Length;
        long chunks = Directory.GetFiles(Path.Combine(blockDir, "chunks")).Sum(f => new FileInfo(f).Length);
        long total = new DirectoryInfo(blockDir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        double n = meta.Stats.NumSamples;
        BlockDirectory.Delete(blockDir);
        return string.Create(CultureInfo.InvariantCulture,
            $"2 h block, {seriesCount} series x 480 samples at 15 s ±5 ms: {total / n:F3} bytes/sample on disk (chunks {chunks / n:F3}, index {index / n:F3})");
    }
}
