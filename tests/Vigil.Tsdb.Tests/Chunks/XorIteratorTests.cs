using Vigil.Core.Model;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Tests.Chunks;

public class XorIteratorTests
{
    /// <summary>Samples exercising every timestamp bucket and value window shape, including 64 significant bits.</summary>
    private static List<(long T, double V)> Mixed(int seed, int count)
    {
        var rnd = new Random(seed);
        var samples = new List<(long, double)>();
        long t = rnd.NextInt64(-1_000_000_000, 1_000_000_000);
        long delta = 15_000;
        double v = rnd.NextDouble();
        for (int i = 0; i < count; i++)
        {
            int bucket = rnd.Next(6);
            delta += bucket switch
            {
                0 => 0,
                1 => rnd.Next(-8191, 8192),
                2 => rnd.Next(-65535, 65536),
                3 => rnd.Next(-524287, 524288),
                4 => rnd.NextInt64(1_000_000, 10_000_000_000),
                _ => rnd.Next(-5, 6),
            };
            if (delta < 1)
            {
                delta = 1 + rnd.Next(100);
            }
            t += delta;
            v = rnd.Next(8) switch
            {
                0 => v,
                1 => BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 63)),
                2 => v + 1,
                3 => Math.Round(v + rnd.NextDouble(), 2),
                4 => -v,
                5 => StaleMarker.StaleNaN,
                6 => BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(v) ^ 1UL),
                _ => BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(v) ^ (1UL << 63) ^ 1UL),
            };
            samples.Add((t, v));
        }
        return samples;
    }

    private static XorChunk Encode(List<(long T, double V)> samples)
    {
        var chunk = new XorChunk();
        var app = chunk.Appender();
        foreach (var (t, v) in samples)
        {
            app.Append(t, v);
        }
        return chunk;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Next_AllBucketsAndWindows_DecodesBitExact(int seed)
    {
        var samples = Mixed(seed, 2000);
        var chunk = Encode(samples.Take(120).ToList());
        var it = chunk.Iterator();
        for (int i = 0; i < 120; i++)
        {
            Assert.True(it.Next(), $"sample {i}: {it.Error}");
            Assert.Equal(samples[i].T, it.T);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[i].V), BitConverter.DoubleToUInt64Bits(it.V));
        }
        Assert.False(it.Next());
        Assert.Null(it.Error);
    }

    [Fact]
    public void Reset_SharedBufferWithGarbageAfterChunk_DecodesOnlyTheChunk()
    {
        var samples = Mixed(9, 100);
        var bytes = Encode(samples).Bytes.ToArray();
        var buf = new byte[bytes.Length + 64];
        new Random(1).NextBytes(buf);
        bytes.CopyTo(buf, 16);
        var it = new XorIterator();
        it.Reset(buf, 16, bytes.Length);
        int n = 0;
        while (it.Next())
        {
            Assert.Equal(samples[n].T, it.T);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[n].V), BitConverter.DoubleToUInt64Bits(it.V));
            n++;
        }
        Assert.Equal(100, n);
        Assert.Null(it.Error);
    }

    [Fact]
    public void Next_TruncatedAtEveryLength_ReturnsCorrectPrefixThenError()
    {
        var samples = Mixed(11, 60);
        var bytes = Encode(samples).Bytes.ToArray();
        for (int len = 2; len < bytes.Length; len++)
        {
            // Garbage after the cut must not leak into values: decode from a buffer with random bytes past len.
            var buf = new byte[bytes.Length + 16];
            new Random(len).NextBytes(buf);
            bytes.AsSpan(0, len).CopyTo(buf);
            var it = new XorIterator();
            it.Reset(buf, 0, len);
            int n = 0;
            while (it.Next())
            {
                Assert.Equal(samples[n].T, it.T);
                Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[n].V), BitConverter.DoubleToUInt64Bits(it.V));
                n++;
            }
            Assert.True(n < samples.Count);
            Assert.NotNull(it.Error);
        }
    }
}
