using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>block-decode-cpu [--series N] [--samples N] [--rounds N]</c>: the loop of <see cref="BlockBenchmarks.SelectAllAndDecode"/>
/// over a block in the block chunk encoding and over the same data in the old XOR encoding, timed in process CPU
/// seconds (far less sensitive to other processes on a shared machine than wall-clock time), with bytes per sample.
/// </summary>
internal static class BlockDecodeCpu
{
    public static int? Run(string[] args)
    {
        if (args.Length == 0 || args[0] != "block-decode-cpu")
        {
            return null;
        }
        var options = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        int seriesCount = options.GetValueOrDefault("series", 10_000);
        int samples = options.GetValueOrDefault("samples", 120);
        int rounds = options.GetValueOrDefault("rounds", 20);
        string dir = Path.Combine(Path.GetTempPath(), "vigil-block-decode-" + Guid.NewGuid().ToString("N"));
        try
        {
            var series = ScrapeData.Generate(seriesCount, samples, ScrapeData.Start);
            if (options.GetValueOrDefault("split", 0) == 1)
            {
                Split(series, rounds);
            }
            long maxt = ScrapeData.Start + Math.Max(2 * ScrapeData.Hour, (samples + 1) * 15_000L);
            foreach (var encoding in new[] { ChunkEncoding.Block, ChunkEncoding.Xor })
            {
                var meta = new BlockWriter(null, ChunkSegments.DefaultSegmentSize, encoding).Write(dir, series, ScrapeData.Start, maxt);
                using var block = Block.Open(Path.Combine(dir, meta.Ulid.ToString()));
                Decode(block); // warm-up: JIT and page cache
                var cpu0 = Environment.CpuUsage.TotalTime;
                long n = 0;
                for (int r = 0; r < rounds; r++)
                {
                    n += Decode(block);
                }
                double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"encoding={encoding} series={seriesCount} samples_per_series={samples} bytes_per_sample={(double)block.SizeBytes / meta.Stats.NumSamples:F3} " +
                    $"decoded={n} cpu_s={cpu:F2} ns_per_sample_cpu={cpu * 1e9 / n:F2} msamples_per_cpu_s={n / cpu / 1e6:F1}"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Times zstd alone and the whole chunk decode, in CPU seconds, over the series' samples as block chunks.</summary>
    private static void Split(List<BlockSeries> series, int rounds)
    {
        using var compressor = new ZstdSharp.Compressor(Environment.GetEnvironmentVariable("ZLEVEL") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : 19);
        var it = new ChunkIterator();
        var chunks = new List<byte[]>();
        long samples = 0;
        foreach (var s in series)
        {
            var t = new List<long>();
            var v = new List<double>();
            foreach (var c in s.Chunks)
            {
                it.Reset(c.Data.Span, c.Encoding);
                while (it.Next())
                {
                    t.Add(it.T);
                    v.Add(it.V);
                }
            }
            chunks.Add(BlockChunk.Encode(t.ToArray(), v.ToArray(), compressor));
            samples += t.Count;
        }
        using var zstd = new ZstdSharp.Decompressor();
        byte[] scratch = new byte[1 << 20];
        long[] ts = [];
        double[] vs = [];
        for (int pass = 0; pass < 2; pass++)
        {
            var cpu0 = Environment.CpuUsage.TotalTime;
            for (int r = 0; r < rounds; r++)
            {
                foreach (var c in chunks)
                {
                    if (pass == 0)
                    {
                        int pos = 1;
                        while (c[pos] >= 0x80) { pos++; }
                        pos++;
                        while (c[pos] >= 0x80) { pos++; }
                        pos++;
                        if ((c[0] & 1) != 0)
                        {
                            zstd.Unwrap(c.AsSpan(pos), scratch);
                        }
                    }
                    else
                    {
                        BlockChunk.Decode(c, ref ts, ref vs, ref scratch);
                    }
                }
            }
            double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(pass == 0 ? "zstd only" : "BlockChunk.Decode")}: {cpu * 1e9 / (samples * rounds):F2} ns per sample (CPU), {chunks.Count} chunks"));
        }
    }

    private static long Decode(Block block)
    {
        using var q = block.Querier(long.MinValue / 2, long.MaxValue / 2);
        var set = q.Select(true, null, [new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+")]);
        ISampleIterator? it = null;
        long n = 0, sum = 0;
        while (set.MoveNext())
        {
            it = set.Current.Iterator(it);
            while (it.Next())
            {
                sum += it.T;
                n++;
            }
        }
        return sum == 0 ? -1 : n;
    }
}
