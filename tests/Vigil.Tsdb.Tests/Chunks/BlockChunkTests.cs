using CsCheck;
using Vigil.Core.Model;
using Vigil.Tsdb.Chunks;
using ZstdSharp;

namespace Vigil.Tsdb.Tests.Chunks;

public sealed class BlockChunkTests
{
    private static readonly double[] Specials =
    [
        0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, StaleMarker.StaleNaN, double.Epsilon,
        double.MaxValue, double.MinValue, BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits),
        BitConverter.UInt64BitsToDouble(0xFFF8_0000_DEAD_BEEF), 0.1 + 0.2, 1e300, 123456789012345678.0,
    ];

    /// <summary>Values as exporters write them (decimals of a few digits), raw bit patterns, and the special floats.</summary>
    private static readonly Gen<double> Value = Gen.Frequency(
        (4, Gen.Select(Gen.Long[-1_000_000_000_000, 1_000_000_000_000], Gen.Int[0, 17], (m, k) => m / Math.Pow(10, k))),
        (2, Gen.Select(Gen.Long[0, 100_000], Gen.Int[0, 3], (m, k) => 1e6 + (m / Math.Pow(10, k)))),
        (1, Gen.ULong.Select(BitConverter.UInt64BitsToDouble)),
        (1, Gen.Double),
        (1, Gen.Int[0, Specials.Length - 1].Select(i => Specials[i])));

    /// <summary>Strictly increasing timestamps: a scrape interval with jitter, or any gaps (including huge ones).</summary>
    private static readonly Gen<long[]> Timestamps = Gen.Select(
        Gen.Long[-1L << 50, 1L << 50], Gen.Frequency((3, Gen.Long[14_990, 15_010]), (1, Gen.Long[1, long.MaxValue >> 12])).Array[0, 1200],
        (start, steps) =>
        {
            var t = new long[steps.Length + 1];
            t[0] = start;
            for (int i = 0; i < steps.Length; i++)
            {
                t[i + 1] = t[i] + steps[i];
            }
            return t;
        });

    private static (long[] T, double[] V) RoundTrip(long[] t, double[] v)
    {
        using var compressor = new Compressor(3);
        byte[] chunk = BlockChunk.Encode(t, v, compressor);
        long[] dt = [];
        double[] dv = [];
        byte[] scratch = [];
        int n = BlockChunk.Decode(chunk, ref dt, ref dv, ref scratch);
        Assert.Equal(t.Length, BlockChunk.Count(chunk));
        return (dt[..n], dv[..n]);
    }

    private static void AssertBitExact(long[] t, double[] v, long[] gotT, double[] gotV)
    {
        Assert.Equal(t, gotT);
        Assert.Equal(v.Length, gotV.Length);
        for (int i = 0; i < v.Length; i++)
        {
            Assert.True(BitConverter.DoubleToUInt64Bits(v[i]) == BitConverter.DoubleToUInt64Bits(gotV[i]),
                $"value {i}: 0x{BitConverter.DoubleToUInt64Bits(gotV[i]):x16}, expected 0x{BitConverter.DoubleToUInt64Bits(v[i]):x16} ({v[i]})");
        }
    }

    [Fact]
    public void EncodeDecode_AnyTimestampsAndFloats_RoundTripBitExact()
    {
        Gen.Select(Timestamps, Value.Array[1201]).Sample((t, pool) =>
        {
            var v = pool[..t.Length];
            var (gotT, gotV) = RoundTrip(t, v);
            AssertBitExact(t, v, gotT, gotV);
        }, iter: 300);
    }

    [Fact]
    public void EncodeDecode_CounterWithStaleMarkersAndNaNPayloads_KeepsEveryBit()
    {
        var t = Enumerable.Range(0, 480).Select(i => 1_700_000_000_000L + (i * 15_000L) + (i % 7) - 3).ToArray();
        var v = Enumerable.Range(0, 480).Select(i => 123456.78 + (i * 1.25)).ToArray();
        v[17] = StaleMarker.StaleNaN;
        v[18] = BitConverter.UInt64BitsToDouble(0x7FF8_0000_0000_0BAD);
        v[200] = -0.0;
        v[479] = double.NegativeInfinity;
        var (gotT, gotV) = RoundTrip(t, v);
        AssertBitExact(t, v, gotT, gotV);
        Assert.True(StaleMarker.IsStaleNaN(gotV[17]));
        Assert.False(StaleMarker.IsStaleNaN(gotV[18]));
    }

    [Fact]
    public void Encode_ScrapedCounterWithJitter_TakesAtMostTwoThirdsOfTheXorChunk()
    {
        var rnd = new Random(7);
        double counter = 81234.56;
        var t = new long[480];
        var v = new double[480];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = 1_700_000_000_000L + (i * 15_000L) + rnd.Next(-5, 6);
            counter = Math.Round(counter + (rnd.NextDouble() * 12), 2);
            v[i] = counter;
        }
        using var compressor = new Compressor(19);
        byte[] chunk = BlockChunk.Encode(t, v, compressor);
        int xor = new XorChunkBytes(t, v).Length;
        Assert.True(chunk.Length * 3 <= xor * 2, $"block chunk {chunk.Length} bytes, XOR chunk {xor} bytes for {t.Length} samples");
    }

    [Fact]
    public void Decode_DamagedBytes_ThrowsInvalidDataOrReturnsTheSampleCount()
    {
        var t = Enumerable.Range(0, 300).Select(i => 1_700_000_000_000L + (i * 15_000L) + (i % 3)).ToArray();
        var v = Enumerable.Range(0, 300).Select(i => i % 50 == 0 ? double.NaN : 1000 + (i * 0.5)).ToArray();
        using var compressor = new Compressor(3);
        byte[] good = BlockChunk.Encode(t, v, compressor);
        Gen.Select(Gen.Int[0, good.Length - 1], Gen.Byte, Gen.Int[0, good.Length]).Sample((at, b, cut) =>
        {
            byte[] bad = good[..Math.Max(cut, 1)];
            if (at < bad.Length)
            {
                bad[at] = b;
            }
            long[] dt = [];
            double[] dv = [];
            byte[] scratch = [];
            try
            {
                int n = BlockChunk.Decode(bad, ref dt, ref dv, ref scratch);
                Assert.InRange(n, 1, BlockChunk.MaxSamples);
            }
            catch (InvalidDataException)
            {
                // the expected outcome for most damage: a clear error, never an index or overflow exception
            }
        }, iter: 2000);
    }

    [Fact]
    public void Encode_NoSamples_Throws()
    {
        using var compressor = new Compressor(3);
        Assert.Throws<ArgumentException>(() => BlockChunk.Encode([], [], compressor));
    }

    /// <summary>The head's XOR encoding of the same samples, for comparison.</summary>
    private sealed class XorChunkBytes
    {
        public XorChunkBytes(long[] t, double[] v)
        {
            var chunk = new XorChunk();
            var app = chunk.Appender();
            for (int i = 0; i < t.Length; i++)
            {
                app.Append(t[i], v[i]);
            }
            Length = chunk.Length;
        }

        public int Length { get; }
    }
}
