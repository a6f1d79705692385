using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Tests.Blocks;

/// <summary>A temporary directory removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vigil-blocks-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Builds series and blocks for tests.</summary>
public static class BlockTestData
{
    public const long Hour = 3_600_000;

    /// <summary>Encodes samples into chunks of at most <paramref name="perChunk"/> samples.</summary>
    public static List<ChunkMeta> Chunks(IReadOnlyList<Sample> samples, int perChunk = 120)
    {
        var result = new List<ChunkMeta>();
        for (int i = 0; i < samples.Count; i += perChunk)
        {
            var chunk = new XorChunk();
            var app = chunk.Appender();
            int end = Math.Min(samples.Count, i + perChunk);
            for (int k = i; k < end; k++)
            {
                app.Append(samples[k].T, samples[k].V);
            }
            result.Add(new ChunkMeta(samples[i].T, samples[end - 1].T, chunk));
        }
        return result;
    }

    /// <summary>Sorted block series from label sets and their samples.</summary>
    public static List<BlockSeries> Series(IEnumerable<(LabelSet Labels, List<Sample> Samples)> input, int perChunk = 120)
        => input.OrderBy(s => s.Labels).Select(s => new BlockSeries(s.Labels, Chunks(s.Samples, perChunk))).ToList();

    /// <summary>Regular samples every <paramref name="step"/> ms in [from, to).</summary>
    public static List<Sample> Regular(long from, long to, long step, Func<long, double> value)
    {
        var list = new List<Sample>();
        for (long t = from; t < to; t += step)
        {
            list.Add(new Sample(t, value(t)));
        }
        return list;
    }

    /// <summary>Writes a block and opens it.</summary>
    public static Block WriteAndOpen(string dataDir, IEnumerable<(LabelSet Labels, List<Sample> Samples)> input, long mint, long maxt, int perChunk = 120)
    {
        var meta = new BlockWriter().Write(dataDir, Series(input, perChunk), mint, maxt);
        return Block.Open(System.IO.Path.Combine(dataDir, meta.Ulid.ToString()));
    }

    /// <summary>Writes a block as Vigil wrote them before the block chunk encoding (XOR chunks as they are) and opens it.</summary>
    public static Block WriteOldFormatAndOpen(string dataDir, IEnumerable<(LabelSet Labels, List<Sample> Samples)> input, long mint, long maxt)
    {
        var meta = new BlockWriter(null, ChunkSegments.DefaultSegmentSize, ChunkEncoding.Xor).Write(dataDir, Series(input), mint, maxt);
        return Block.Open(System.IO.Path.Combine(dataDir, meta.Ulid.ToString()));
    }

    /// <summary>The encoding of every chunk of <paramref name="block"/>, series by series.</summary>
    public static List<ChunkEncoding> ChunkEncodings(Block block)
    {
        var result = new List<ChunkEncoding>();
        var refs = new List<ChunkRefMeta>();
        foreach (ulong series in block.IndexReader.AllPostings())
        {
            refs.Clear();
            block.IndexReader.ReadChunks(series, refs);
            foreach (var r in refs)
            {
                block.ChunkReader.Read(r.Ref, out var encoding);
                result.Add(encoding);
            }
        }
        return result;
    }

    /// <summary>All series of a querier for the matchers, read into memory (throws on iterator errors).</summary>
    public static List<(LabelSet Labels, List<Sample> Samples)> Read(IQuerier q, params LabelMatcher[] matchers)
        => q.Select(true, null, matchers.Length == 0 ? [new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+")] : matchers).ToList();

    /// <summary>Asserts equal samples bit for bit (NaN payloads included).</summary>
    public static void AssertSamplesEqual(IReadOnlyList<Sample> expected, IReadOnlyList<Sample> actual, string? what = null)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} samples, got {actual.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].T == actual[i].T, $"{what}: sample {i} timestamp {actual[i].T}, expected {expected[i].T}");
            Assert.True(BitConverter.DoubleToUInt64Bits(expected[i].V) == BitConverter.DoubleToUInt64Bits(actual[i].V),
                $"{what}: sample {i} at {expected[i].T} value {actual[i].V}, expected {expected[i].V}");
        }
    }
}
