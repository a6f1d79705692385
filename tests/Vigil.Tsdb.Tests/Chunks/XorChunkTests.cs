using Vigil.Core.Model;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Tests.Chunks;

public class XorChunkTests
{
    private static List<(long T, double V)> RoundTrip(IReadOnlyList<(long T, double V)> samples, out XorChunk chunk)
    {
        chunk = new XorChunk();
        var app = chunk.Appender();
        foreach (var (t, v) in samples)
        {
            app.Append(t, v);
        }
        var result = new List<(long, double)>();
        var it = chunk.Iterator();
        while (it.Next())
        {
            result.Add((it.T, it.V));
        }
        Assert.Null(it.Error);
        return result;
    }

    [Fact]
    public void Append_RandomRealisticSamples_RoundTripsBitExact()
    {
        var rnd = new Random(42);
        var samples = new List<(long, double)>();
        long t = 1_700_000_000_000;
        double counter = 1000;
        for (int i = 0; i < 120; i++)
        {
            t += 15_000 + rnd.Next(-5, 6);
            counter += rnd.Next(0, 50);
            samples.Add((t, i % 3 == 0 ? counter : rnd.NextDouble() * 1e6));
        }
        var got = RoundTrip(samples, out var chunk);
        Assert.Equal(samples.Count, got.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            Assert.Equal(samples[i].Item1, got[i].T);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[i].Item2), BitConverter.DoubleToUInt64Bits(got[i].V));
        }
        Assert.Equal(120, chunk.Count);
    }

    [Fact]
    public void Append_SpecialFloats_KeepExactBitsAndStaleMarkerDistinct()
    {
        double[] values = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, StaleMarker.StaleNaN,
            double.Epsilon, double.MaxValue, double.MinValue, 1.5, StaleMarker.StaleNaN, 1.5];
        var samples = values.Select((v, i) => ((long)i * 1000 - 5000, v)).ToList();
        var got = RoundTrip(samples, out _);
        Assert.Equal(values.Length, got.Count);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToUInt64Bits(values[i]), BitConverter.DoubleToUInt64Bits(got[i].V));
        }
        Assert.True(StaleMarker.IsStaleNaN(got[5].V));
        Assert.False(StaleMarker.IsStaleNaN(got[4].V));
        Assert.True(double.IsNaN(got[4].V));
    }

    [Fact]
    public void Append_LargeAndIrregularTimestampGaps_UseEveryDodBucket()
    {
        long[] ts = [0, 1, 2, 10_000, 10_001, 80_000, 600_000, 700_000, 10_000_000_000, 10_000_000_001, 10_000_000_002, -1 + 20_000_000_000];
        var samples = ts.Select((t, i) => (t, (double)i)).ToList();
        var got = RoundTrip(samples, out _);
        Assert.Equal(ts, got.Select(g => g.T));
    }

    [Fact]
    public void Append_DeltaOfDeltaAtEveryBucketBoundary_RoundTrips()
    {
        long[] dods = [0, 1, -1, 63, 64, 65, -62, -63, -64, 8191, 8192, 8193, -8191, -8192, 524287, 524288, 524289, -524287, -524288, 1L << 40, -(1L << 40)];
        var ts = new List<long> { 0, 100_000_000_000 };
        long delta = 100_000_000_000;
        foreach (long d in dods)
        {
            delta += d;
            ts.Add(ts[^1] + delta);
        }
        var got = RoundTrip(ts.Select((t, i) => (t, (double)i)).ToList(), out _);
        Assert.Equal(ts, got.Select(g => g.T));
    }

    [Fact]
    public void Bytes_ScrapeJitterOfAFewMilliseconds_CostsNineBitsPerTimestamp()
    {
        // 120 samples at 15 s ± 5 ms with a constant value: 1 bit per value, 9 bits per timestamp past the second.
        var rnd = new Random(9);
        var chunk = new XorChunk();
        var app = chunk.Appender();
        for (int i = 0; i < 120; i++)
        {
            app.Append((i * 15_000L) + rnd.Next(-5, 6), 1);
        }
        // At most: header, first sample, second (varint delta), then 9 + 1 bits each (a zero dod takes 1 bit only).
        int maxBits = 16 + (8 + 64) + (24 + 1) + (118 * (9 + 1));
        // Prometheus's 14-bit first bucket would need 16 + 1 bits for each of those samples.
        int prometheusBits = 16 + (8 + 64) + (16 + 1) + (118 * (16 + 1));
        Assert.InRange(chunk.Length, 100, (maxBits + 7) / 8);
        Assert.True(chunk.Length < prometheusBits / 8 * 3 / 4, $"{chunk.Length} bytes");
    }

    [Fact]
    public void Seek_ToMiddleAndPastEnd_LandsOnFirstSampleAtOrAfter()
    {
        var chunk = new XorChunk();
        var app = chunk.Appender();
        for (int i = 0; i < 100; i++)
        {
            app.Append(i * 10, i);
        }
        var it = chunk.Iterator();
        Assert.True(it.Seek(155));
        Assert.Equal(160, it.T);
        Assert.Equal(16, it.V);
        Assert.True(it.Seek(100)); // never moves backwards
        Assert.Equal(160, it.T);
        Assert.True(it.Next());
        Assert.Equal(170, it.T);
        Assert.False(it.Seek(10_000));
        Assert.False(it.Next());
    }

    [Fact]
    public void Appender_ReopenedOnExistingBytes_ContinuesStream()
    {
        var chunk = new XorChunk();
        var app = chunk.Appender();
        for (int i = 0; i < 50; i++)
        {
            app.Append(i * 1000, i * 0.5);
        }
        var copy = new XorChunk(chunk.Bytes.ToArray());
        var app2 = copy.Appender();
        for (int i = 50; i < 100; i++)
        {
            app2.Append(i * 1000, i * 0.5);
        }
        var it = copy.Iterator();
        int n = 0;
        while (it.Next())
        {
            Assert.Equal(n * 1000, it.T);
            Assert.Equal(n * 0.5, it.V);
            n++;
        }
        Assert.Equal(100, n);
    }

    [Fact]
    public void Iterator_TruncatedBytes_ReportsErrorInsteadOfGarbage()
    {
        var chunk = new XorChunk();
        var app = chunk.Appender();
        var rnd = new Random(1);
        for (int i = 0; i < 50; i++)
        {
            app.Append(i * 1000 + rnd.Next(100), rnd.NextDouble());
        }
        var bytes = chunk.Bytes.ToArray();
        var cut = new XorChunk(bytes[..(bytes.Length / 2)]);
        var it = cut.Iterator();
        int n = 0;
        while (it.Next())
        {
            n++;
        }
        Assert.True(n < 50);
        Assert.NotNull(it.Error);
        Assert.Contains("truncated or corrupt", it.Error!.Message);
    }

    [Fact]
    public void Bytes_RegularScrapeData_CompressesBelowTwoBytesPerSample()
    {
        var chunk = new XorChunk();
        var app = chunk.Appender();
        for (int i = 0; i < 120; i++)
        {
            app.Append(1_700_000_000_000 + i * 15_000L, 42.0 + (i / 30));
        }
        Assert.True(chunk.Length < 2 * 120, $"chunk is {chunk.Length} bytes for 120 samples");
    }
}
