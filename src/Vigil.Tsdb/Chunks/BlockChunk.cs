using System.Buffers;
using System.Runtime.CompilerServices;
using Vigil.Tsdb.Internal;
using ZstdSharp;

namespace Vigil.Tsdb.Chunks;

/// <summary>
/// The chunk encoding of immutable blocks (<see cref="ChunkEncoding.Block"/>): columns of integers compressed with
/// zstd, where the head's XOR chunks keep a bit stream that can be appended to.
/// </summary>
/// <remarks>
/// <para>Layout: <c>[flags:1][count: uvarint][payload length: uvarint, when compressed][payload or its zstd frame]</c>;
/// flags bit 0 says the payload is zstd-compressed (a payload that does not shrink is stored as it is).</para>
/// <para>Payload: a timestamp mode byte and the timestamps as zig-zag varints, either the first value, the first delta,
/// then deltas of deltas (mode 0), or the first value, a step, then each timestamp's distance to
/// <c>first + i * step</c> (mode 1, for scrape jitter), whichever promises fewer bytes; then the values in
/// one of two modes. Mode 0 (decimal): every value that equals <c>m / 10^scale</c> exactly — bit for bit, after the
/// same division the decoder does — is stored as the integer <c>m</c>, with one scale for the chunk, as zig-zag varints
/// of deltas (order 1) or deltas of deltas (order 2, for counters), whichever is smaller; values that are not (NaN
/// payloads, stale markers, infinities, -0, more than 15 decimals) are exceptions stored as their 64 raw bits beside
/// their index, and repeat the previous integer in the column. Mode 1 (bits): when most values are exceptions, every
/// value's bits XOR the previous value's bits, as 8 little-endian bytes. Decoding is exact for every float.</para>
/// <para>Thread-safe: <see cref="Encode"/> takes its compressor; <see cref="Decode"/> uses one decompressor per thread.</para>
/// </remarks>
internal static class BlockChunk
{
    /// <summary>The most samples one block chunk holds (a hostile count larger than this is refused).</summary>
    public const int MaxSamples = 1 << 16;

    /// <summary>The largest decimal scale: <c>10^scale</c> and every integer below 2^53 are exact doubles.</summary>
    private const int MaxScale = 15;

    private const byte FlagCompressed = 1;
    private const byte TimeDeltaOfDelta = 0;
    private const byte TimeGrid = 1;
    private const byte ModeDecimal = 0;
    private const byte ModeBits = 1;
    private const long MaxMantissa = 1L << 53;

    private static readonly double[] Pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    [ThreadStatic]
    private static Decompressor? t_decompressor;

    /// <summary>
    /// Encodes <paramref name="t"/> (strictly increasing, ms) and <paramref name="v"/> (same length, 1 to
    /// <see cref="MaxSamples"/>) and returns the chunk bytes.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<long> t, ReadOnlySpan<double> v, Compressor compressor)
    {
        int n = t.Length;
        if (n == 0 || n > MaxSamples || v.Length != n)
        {
            throw new ArgumentException($"a block chunk holds 1 to {MaxSamples} samples with one value each, got {n} timestamps and {v.Length} values");
        }
        byte[] payload = ArrayPool<byte>.Shared.Rent((n * 33) + 64);
        long[] mantissas = ArrayPool<long>.Shared.Rent(n);
        try
        {
            int pos = WriteTimestamps(payload, t);
            pos = WriteValues(payload, pos, v, mantissas);
            int bound = Compressor.GetCompressBound(pos);
            byte[] compressed = ArrayPool<byte>.Shared.Rent(bound + 32);
            try
            {
                int header = 0;
                int zlen = compressor.Wrap(payload.AsSpan(0, pos), compressed.AsSpan(32));
                Span<byte> head = stackalloc byte[1 + (2 * Varint.MaxLength)];
                bool useZstd = zlen + Varint.UnsignedLength((ulong)pos) < pos;
                head[header++] = useZstd ? FlagCompressed : (byte)0;
                header = Varint.WriteUnsigned(head, header, (ulong)n);
                if (useZstd)
                {
                    header = Varint.WriteUnsigned(head, header, (ulong)pos);
                }
                var body = useZstd ? compressed.AsSpan(32, zlen) : payload.AsSpan(0, pos);
                var result = new byte[header + body.Length];
                head[..header].CopyTo(result);
                body.CopyTo(result.AsSpan(header));
                return result;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(compressed);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
            ArrayPool<long>.Shared.Return(mantissas);
        }
    }

    /// <summary>The number of samples in a block chunk, from its header; throws <see cref="InvalidDataException"/> when malformed.</summary>
    public static int Count(ReadOnlySpan<byte> chunk)
    {
        int pos = 1;
        if (chunk.Length < 2 || !Varint.TryReadUnsigned(chunk, ref pos, out ulong n) || n == 0 || n > MaxSamples)
        {
            throw new InvalidDataException("block chunk header is malformed");
        }
        return (int)n;
    }

    /// <summary>
    /// Decodes <paramref name="chunk"/> into <paramref name="t"/> and <paramref name="v"/> (grown when too small) and
    /// returns the sample count; throws <see cref="InvalidDataException"/> for bytes that are not a valid block chunk.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> chunk, ref long[] t, ref double[] v, ref byte[] scratch)
    {
        int n = Count(chunk);
        int pos = 1;
        Varint.TryReadUnsigned(chunk, ref pos, out _);
        ReadOnlySpan<byte> payload;
        if ((chunk[0] & ~FlagCompressed) != 0)
        {
            throw new InvalidDataException($"block chunk has unknown flags 0x{chunk[0]:x2}");
        }
        if ((chunk[0] & FlagCompressed) != 0)
        {
            if (!Varint.TryReadUnsigned(chunk, ref pos, out ulong raw) || raw > (ulong)((n * 33) + 64))
            {
                throw new InvalidDataException("block chunk payload length is malformed");
            }
            if (scratch.Length < (int)raw)
            {
                scratch = new byte[Math.Max((int)raw, scratch.Length * 2)];
            }
            var decompressor = t_decompressor ??= new Decompressor();
            int written;
            try
            {
                if (!decompressor.TryUnwrap(chunk[pos..], scratch.AsSpan(0, (int)raw), out written) || written != (int)raw)
                {
                    throw new InvalidDataException("block chunk payload does not decompress to its stated length");
                }
            }
            catch (ZstdException e)
            {
                throw new InvalidDataException("block chunk payload is not a valid zstd frame: " + e.Message, e);
            }
            payload = scratch.AsSpan(0, written);
        }
        else
        {
            payload = chunk[pos..];
        }
        if (t.Length < n)
        {
            t = new long[Math.Max(n, t.Length * 2)];
        }
        if (v.Length < n)
        {
            v = new double[Math.Max(n, v.Length * 2)];
        }
        int p = ReadTimestamps(payload, t.AsSpan(0, n));
        ReadValues(payload, p, v.AsSpan(0, n));
        return n;
    }

    private static int WriteTimestamps(Span<byte> dst, ReadOnlySpan<long> t)
    {
        int n = t.Length;
        // Note: scrapes land on a grid with jitter; the distance to the grid (t0 + i * step) carries the jitter once,
        // where a delta of deltas carries the difference of two jitters (a wider spread, ~0.8 bits more per sample).
        long step = n > 1 ? (t[n - 1] - t[0]) / (n - 1) : 0;
        var dod = new EntropyEstimate();
        var grid = new EntropyEstimate();
        long prevDelta = 0;
        for (int i = 1; i < n; i++)
        {
            long delta = t[i] - t[i - 1];
            dod.Add(i == 1 ? delta : delta - prevDelta);
            prevDelta = delta;
            grid.Add(t[i] - t[0] - (i * step));
        }
        int pos = 0;
        if (grid.Bits() < dod.Bits())
        {
            dst[pos++] = TimeGrid;
            pos = Varint.WriteSigned(dst, pos, t[0]);
            pos = Varint.WriteSigned(dst, pos, step);
            for (int i = 1; i < n; i++)
            {
                pos = Varint.WriteSigned(dst, pos, t[i] - t[0] - (i * step));
            }
            return pos;
        }
        dst[pos++] = TimeDeltaOfDelta;
        pos = Varint.WriteSigned(dst, pos, t[0]);
        prevDelta = 0;
        for (int i = 1; i < n; i++)
        {
            long delta = t[i] - t[i - 1];
            pos = Varint.WriteSigned(dst, pos, i == 1 ? delta : delta - prevDelta);
            prevDelta = delta;
        }
        return pos;
    }

    private static int ReadTimestamps(ReadOnlySpan<byte> src, Span<long> t)
    {
        int pos = 0;
        if (src.Length < 1)
        {
            ThrowTruncated();
        }
        byte mode = src[pos++];
        if (!Varint.TryReadSigned(src, ref pos, out long cur))
        {
            ThrowTruncated();
        }
        t[0] = cur;
        if (mode == TimeGrid)
        {
            if (!Varint.TryReadSigned(src, ref pos, out long step))
            {
                ThrowTruncated();
            }
            for (int i = 1; i < t.Length; i++)
            {
                if (!Varint.TryReadSigned(src, ref pos, out long r))
                {
                    ThrowTruncated();
                }
                t[i] = cur + (i * step) + r;
            }
            return pos;
        }
        if (mode != TimeDeltaOfDelta)
        {
            throw new InvalidDataException($"block chunk has unknown timestamp mode {mode}");
        }
        long delta = 0;
        for (int i = 1; i < t.Length; i++)
        {
            if (!Varint.TryReadSigned(src, ref pos, out long d))
            {
                ThrowTruncated();
            }
            delta = i == 1 ? d : delta + d;
            cur += delta;
            t[i] = cur;
        }
        return pos;
    }

    /// <summary>
    /// Estimates the zstd size of a column of small zig-zag integers from the entropy of its values (what zstd's
    /// Huffman stage approaches); values of 64 and more count as their varint bytes in full.
    /// </summary>
    private struct EntropyEstimate
    {
        private InlineCounts _counts;
        private int _n;
        private long _wideBits;

        public void Add(long value)
        {
            ulong zz = Varint.ZigZag(value);
            if (zz < 64)
            {
                _counts[(int)zz]++;
            }
            else
            {
                _counts[64]++;
                _wideBits += 8 * Varint.UnsignedLength(zz);
            }
            _n++;
        }

        public readonly double Bits()
        {
            double bits = _wideBits;
            for (int i = 0; i < 65; i++)
            {
                int c = _counts[i];
                if (c > 0)
                {
                    bits -= c * Math.Log2((double)c / _n);
                }
            }
            return bits;
        }

        [InlineArray(65)]
        private struct InlineCounts
        {
            private int _first;
        }
    }

    private static int WriteValues(Span<byte> dst, int pos, ReadOnlySpan<double> v, long[] m)
    {
        int n = v.Length;
        // Pass 1: the smallest scale of each value; the chunk's scale is the largest of them.
        int scale = 0;
        for (int i = 0; i < n; i++)
        {
            int k = DecimalScale(v[i]);
            if (k > scale)
            {
                scale = k;
            }
        }
        // Pass 2: each value at the chunk's scale, checked bit for bit against what the decoder will compute.
        int exceptions = 0;
        long prev = 0;
        for (int i = 0; i < n; i++)
        {
            if (TryMantissa(v[i], scale, out long mi))
            {
                m[i] = prev = mi;
            }
            else
            {
                m[i] = prev;
                exceptions++;
            }
        }
        if (exceptions * 2 > n)
        {
            dst[pos++] = ModeBits;
            ulong prevBits = 0;
            for (int i = 0; i < n; i++)
            {
                ulong bits = BitConverter.DoubleToUInt64Bits(v[i]);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], bits ^ prevBits);
                pos += 8;
                prevBits = bits;
            }
            return pos;
        }
        long size1 = 0, size2 = 0;
        for (int i = 1; i < n; i++)
        {
            long d = m[i] - m[i - 1];
            size1 += Varint.UnsignedLength(Varint.ZigZag(d));
            size2 += Varint.UnsignedLength(Varint.ZigZag(i == 1 ? d : d - (m[i - 1] - m[i - 2])));
        }
        int order = size2 < size1 ? 2 : 1;
        dst[pos++] = ModeDecimal;
        dst[pos++] = (byte)scale;
        dst[pos++] = (byte)order;
        pos = Varint.WriteSigned(dst, pos, m[0]);
        for (int i = 1; i < n; i++)
        {
            long d = m[i] - m[i - 1];
            pos = Varint.WriteSigned(dst, pos, order == 1 || i == 1 ? d : d - (m[i - 1] - m[i - 2]));
        }
        pos = Varint.WriteUnsigned(dst, pos, (ulong)exceptions);
        int last = 0;
        for (int i = 0; i < n && exceptions > 0; i++)
        {
            if (!TryMantissa(v[i], scale, out _))
            {
                pos = Varint.WriteUnsigned(dst, pos, (ulong)(i - last));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], BitConverter.DoubleToUInt64Bits(v[i]));
                pos += 8;
                last = i;
                exceptions--;
            }
        }
        return pos;
    }

    private static void ReadValues(ReadOnlySpan<byte> src, int pos, Span<double> v)
    {
        int n = v.Length;
        if (pos >= src.Length)
        {
            ThrowTruncated();
        }
        byte mode = src[pos++];
        if (mode == ModeBits)
        {
            if (src.Length - pos < n * 8)
            {
                ThrowTruncated();
            }
            ulong prev = 0;
            for (int i = 0; i < n; i++)
            {
                prev ^= System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(pos + (i * 8), 8));
                v[i] = BitConverter.UInt64BitsToDouble(prev);
            }
            return;
        }
        if (mode != ModeDecimal || src.Length - pos < 2)
        {
            throw new InvalidDataException($"block chunk has unknown value mode {mode}");
        }
        int scale = src[pos++];
        int order = src[pos++];
        if (scale > MaxScale || order is not (1 or 2))
        {
            throw new InvalidDataException($"block chunk has invalid decimal scale {scale} or order {order}");
        }
        long m = 0, delta = 0;
        for (int i = 0; i < n; i++)
        {
            if (!Varint.TryReadSigned(src, ref pos, out long d))
            {
                ThrowTruncated();
            }
            if (i == 0)
            {
                m = d;
            }
            else
            {
                delta = order == 1 || i == 1 ? d : delta + d;
                m += delta;
            }
            v[i] = m;
        }
        if (scale > 0)
        {
            // Note: an integer below 2^53 divided by an exact power of ten is the correctly rounded decimal, which the
            // encoder checked is the original value's bits.
            double divisor = Pow10[scale];
            for (int i = 0; i < n; i++)
            {
                v[i] /= divisor;
            }
        }
        if (!Varint.TryReadUnsigned(src, ref pos, out ulong exceptions) || exceptions > (ulong)n)
        {
            ThrowTruncated();
        }
        int at = 0;
        for (ulong e = 0; e < exceptions; e++)
        {
            if (!Varint.TryReadUnsigned(src, ref pos, out ulong gap) || gap > (ulong)(n - 1 - at) || src.Length - pos < 8)
            {
                ThrowTruncated();
            }
            at += (int)gap;
            v[at] = BitConverter.UInt64BitsToDouble(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(pos, 8)));
            pos += 8;
        }
    }

    /// <summary>The smallest k ≤ <see cref="MaxScale"/> with <c>v = m / 10^k</c> exactly for an integer m below 2^53; 0 when none.</summary>
    private static int DecimalScale(double v)
    {
        for (int k = 0; k <= MaxScale; k++)
        {
            if (TryMantissa(v, k, out _))
            {
                return k;
            }
        }
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryMantissa(double v, int scale, out long m)
    {
        m = 0;
        if (!double.IsFinite(v))
        {
            return false;
        }
        double r = Math.Round(v * Pow10[scale]);
        if (!(Math.Abs(r) < MaxMantissa))
        {
            return false;
        }
        m = (long)r;
        double back = scale == 0 ? m : m / Pow10[scale];
        return BitConverter.DoubleToInt64Bits(back) == BitConverter.DoubleToInt64Bits(v);
    }

    private static void ThrowTruncated() => throw new InvalidDataException("block chunk payload is truncated or malformed");
}
