using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vigil.Tsdb.Internal;
using ZstdSharp;

namespace Vigil.Tsdb.Chunks;

/// <summary>
/// The chunk encoding of immutable blocks (<see cref="ChunkEncoding.Block"/>): bit-packed integer columns, where the
/// head's XOR chunks keep a bit stream that can be appended to.
/// </summary>
/// <remarks>
/// <para>Layout: <c>[flags:1][count: uvarint][payload length: uvarint, when compressed][payload or its zstd frame]</c>;
/// flags bit 0 says the payload is zstd-compressed, which the writer does only when that saves a fifth of the bytes
/// (bit-packed columns rarely compress further, and decoding zstd costs more than decoding the columns).</para>
/// <para>A column of integers is stored as its minimum (zig-zag varint), the greatest common divisor of the distances
/// to it (uvarint), a bit width, and each distance divided by the divisor in that many bits, little-endian: byte
/// counters and memory gauges move in multiples of 512 or 4096, and scrape jitter needs about 5 bits.</para>
/// <para>Payload: a timestamp mode byte and the timestamps: the first value and first delta, then a column of deltas
/// of deltas (mode 0), or the first value, a step and a column of each timestamp's distance to <c>first + i * step</c>
/// (mode 1, which carries scrape jitter once where a delta of deltas carries two jitters), whichever is smaller. Then
/// the values in one of two modes. Mode 0 (decimal): every value that equals <c>m / 10^scale</c> exactly — bit for
/// bit, after the same division the decoder does — is stored as the integer <c>m</c>, with one scale for the chunk: the
/// first m, then a column of deltas (order 1) or the first delta and a column of deltas of deltas (order 2), whichever
/// is smaller; values that are not (NaN payloads, stale markers, infinities, -0, more than 15 decimals) are exceptions
/// stored as their 64 raw bits beside their index, and repeat the previous integer in the column. Mode 1 (bits): when
/// most values are exceptions, every value's bits XOR the previous value's bits, as 8 little-endian bytes. Decoding
/// is exact for every float.</para>
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

    /// <summary>Header bytes of one column at most: minimum, divisor, width.</summary>
    private const int ColumnHeader = (2 * Varint.MaxLength) + 1;

    private static readonly double[] Pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    [ThreadStatic]
    private static Decompressor? t_decompressor;

    /// <summary>An upper bound of the payload size for <paramref name="n"/> samples (decoders refuse larger stated sizes).</summary>
    private static int MaxPayload(int n) => (n * 34) + 128;

    /// <summary>
    /// Encodes <paramref name="t"/> (ms, in order) and <paramref name="v"/> (same length, 1 to <see cref="MaxSamples"/>)
    /// and returns the chunk bytes.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<long> t, ReadOnlySpan<double> v, Compressor compressor)
    {
        int n = t.Length;
        if (n == 0 || n > MaxSamples || v.Length != n)
        {
            throw new ArgumentException($"a block chunk holds 1 to {MaxSamples} samples with one value each, got {n} timestamps and {v.Length} values");
        }
        byte[] payload = ArrayPool<byte>.Shared.Rent(MaxPayload(n));
        long[] scratch = ArrayPool<long>.Shared.Rent(3 * n);
        try
        {
            int pos = WriteTimestamps(payload, t, scratch.AsSpan(0, 2 * n));
            pos = WriteValues(payload, pos, v, scratch.AsSpan(0, 3 * n));
            return Frame(n, payload.AsSpan(0, pos), compressor);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
            ArrayPool<long>.Shared.Return(scratch);
        }
    }

    private static byte[] Frame(int n, ReadOnlySpan<byte> payload, Compressor compressor)
    {
        byte[] compressed = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(payload.Length));
        try
        {
            int zlen = compressor.Wrap(payload, compressed);
            bool useZstd = zlen * 5 < payload.Length * 4;
            Span<byte> head = stackalloc byte[1 + (2 * Varint.MaxLength)];
            int header = 0;
            head[header++] = useZstd ? FlagCompressed : (byte)0;
            header = Varint.WriteUnsigned(head, header, (ulong)n);
            if (useZstd)
            {
                header = Varint.WriteUnsigned(head, header, (ulong)payload.Length);
            }
            var body = useZstd ? compressed.AsSpan(0, zlen) : payload;
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
        if ((chunk[0] & ~FlagCompressed) != 0)
        {
            throw new InvalidDataException($"block chunk has unknown flags 0x{chunk[0]:x2}");
        }
        ReadOnlySpan<byte> payload = chunk[pos..];
        if ((chunk[0] & FlagCompressed) != 0)
        {
            if (!Varint.TryReadUnsigned(chunk, ref pos, out ulong raw) || raw > (ulong)MaxPayload(n))
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

    private static int WriteTimestamps(Span<byte> dst, ReadOnlySpan<long> t, Span<long> scratch)
    {
        int n = t.Length;
        var dod = scratch[..Math.Max(n - 2, 0)];
        var grid = scratch.Slice(n, Math.Max(n - 1, 0));
        long step = n > 1 ? (t[n - 1] - t[0]) / (n - 1) : 0;
        for (int i = 1; i < n; i++)
        {
            grid[i - 1] = t[i] - t[0] - (i * step);
            if (i >= 2)
            {
                dod[i - 2] = t[i] - t[i - 1] - (t[i - 1] - t[i - 2]);
            }
        }
        int pos = 0;
        if (n > 1 && ColumnBytes(grid) < ColumnBytes(dod))
        {
            dst[pos++] = TimeGrid;
            pos = Varint.WriteSigned(dst, pos, t[0]);
            pos = Varint.WriteSigned(dst, pos, step);
            return WriteColumn(dst, pos, grid);
        }
        dst[pos++] = TimeDeltaOfDelta;
        pos = Varint.WriteSigned(dst, pos, t[0]);
        pos = Varint.WriteSigned(dst, pos, n > 1 ? t[1] - t[0] : 0);
        return WriteColumn(dst, pos, dod);
    }

    private static int ReadTimestamps(ReadOnlySpan<byte> src, Span<long> t)
    {
        int n = t.Length;
        int pos = 0;
        if (src.Length < 1)
        {
            ThrowTruncated();
        }
        byte mode = src[pos++];
        if (mode is not (TimeGrid or TimeDeltaOfDelta))
        {
            throw new InvalidDataException($"block chunk has unknown timestamp mode {mode}");
        }
        long first = ReadSigned(src, ref pos);
        long second = ReadSigned(src, ref pos);
        t[0] = first;
        if (mode == TimeGrid)
        {
            ReadColumn(src, ref pos, t[1..]);
            for (int i = 1; i < n; i++)
            {
                t[i] += first + (i * second);
            }
            return pos;
        }
        if (n > 1)
        {
            t[1] = first + second;
            ReadColumn(src, ref pos, t[2..]);
            long delta = second;
            for (int i = 2; i < n; i++)
            {
                delta += t[i];
                t[i] = t[i - 1] + delta;
            }
        }
        else
        {
            ReadColumn(src, ref pos, []);
        }
        return pos;
    }

    private static int WriteValues(Span<byte> dst, int pos, ReadOnlySpan<double> v, Span<long> scratch)
    {
        int n = v.Length;
        var m = scratch[..n];
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
                BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], bits ^ prevBits);
                pos += 8;
                prevBits = bits;
            }
            return pos;
        }
        var d1 = scratch.Slice(n, Math.Max(n - 1, 0));
        var d2 = scratch.Slice(2 * n, Math.Max(n - 2, 0));
        for (int i = 1; i < n; i++)
        {
            d1[i - 1] = m[i] - m[i - 1];
            if (i >= 2)
            {
                d2[i - 2] = d1[i - 1] - d1[i - 2];
            }
        }
        bool order2 = n > 2 && ColumnBytes(d2) < ColumnBytes(d1);
        dst[pos++] = ModeDecimal;
        dst[pos++] = (byte)scale;
        dst[pos++] = order2 ? (byte)2 : (byte)1;
        pos = Varint.WriteSigned(dst, pos, m[0]);
        if (order2)
        {
            pos = Varint.WriteSigned(dst, pos, d1[0]);
            pos = WriteColumn(dst, pos, d2);
        }
        else
        {
            pos = WriteColumn(dst, pos, d1);
        }
        pos = Varint.WriteUnsigned(dst, pos, (ulong)exceptions);
        int last = 0;
        for (int i = 0; i < n && exceptions > 0; i++)
        {
            if (!TryMantissa(v[i], scale, out _))
            {
                pos = Varint.WriteUnsigned(dst, pos, (ulong)(i - last));
                BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], BitConverter.DoubleToUInt64Bits(v[i]));
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
                prev ^= BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(pos + (i * 8), 8));
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
        // Note: the integers are decoded into the value array's memory (same size), then turned into doubles in place.
        var m = MemoryMarshal.Cast<double, long>(v);
        m[0] = ReadSigned(src, ref pos);
        if (order == 2 && n > 1)
        {
            long delta = ReadSigned(src, ref pos);
            m[1] = m[0] + delta;
            ReadColumn(src, ref pos, m[2..]);
            for (int i = 2; i < n; i++)
            {
                delta += m[i];
                m[i] = m[i - 1] + delta;
            }
        }
        else
        {
            ReadColumn(src, ref pos, order == 2 ? [] : m[1..]);
            for (int i = 1; i < n; i++)
            {
                m[i] += m[i - 1];
            }
        }
        if (scale == 0)
        {
            for (int i = 0; i < n; i++)
            {
                v[i] = m[i];
            }
        }
        else
        {
            // Note: an integer below 2^53 divided by an exact power of ten is the correctly rounded decimal, which the
            // encoder checked is the original value's bits.
            double divisor = Pow10[scale];
            for (int i = 0; i < n; i++)
            {
                v[i] = m[i] / divisor;
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
            v[at] = BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(pos, 8)));
            pos += 8;
        }
    }

    /// <summary>Bytes <see cref="WriteColumn"/> would use for <paramref name="xs"/>.</summary>
    private static long ColumnBytes(ReadOnlySpan<long> xs)
    {
        var (min, divisor, width) = Layout(xs);
        return Varint.UnsignedLength(Varint.ZigZag(min)) + Varint.UnsignedLength(divisor) + 1 + (((long)xs.Length * width) + 7) / 8;
    }

    private static (long Min, ulong Divisor, int Width) Layout(ReadOnlySpan<long> xs)
    {
        if (xs.IsEmpty)
        {
            return (0, 1, 0);
        }
        long min = xs[0], max = xs[0];
        foreach (long x in xs)
        {
            min = Math.Min(min, x);
            max = Math.Max(max, x);
        }
        ulong divisor = 0;
        foreach (long x in xs)
        {
            divisor = Gcd(divisor, unchecked((ulong)(x - min)));
            if (divisor == 1)
            {
                break;
            }
        }
        if (divisor == 0)
        {
            return (min, 1, 0);
        }
        ulong range = unchecked((ulong)(max - min)) / divisor;
        return (min, divisor, 64 - BitOperations.LeadingZeroCount(range));
    }

    private static ulong Gcd(ulong a, ulong b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }

    /// <summary>Writes a column: minimum, divisor, width, then each distance to the minimum divided by the divisor, bit-packed.</summary>
    private static int WriteColumn(Span<byte> dst, int pos, ReadOnlySpan<long> xs)
    {
        var (min, divisor, width) = Layout(xs);
        pos = Varint.WriteSigned(dst, pos, min);
        pos = Varint.WriteUnsigned(dst, pos, divisor);
        dst[pos++] = (byte)width;
        if (width == 0)
        {
            return pos;
        }
        ulong acc = 0;
        int bits = 0;
        foreach (long x in xs)
        {
            ulong u = unchecked((ulong)(x - min)) / divisor;
            acc |= u << bits;
            int taken = 64 - bits;
            bits += width;
            if (bits >= 64)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], acc);
                pos += 8;
                bits -= 64;
                // Note: the bits of u that did not fit (a shift by 64 would be a no-op in C#, hence the check).
                acc = taken >= 64 ? 0 : u >> taken;
            }
        }
        for (; bits > 0; bits -= 8)
        {
            dst[pos++] = (byte)acc;
            acc >>= 8;
        }
        return pos;
    }

    /// <summary>Reads a column written by <see cref="WriteColumn"/> into <paramref name="xs"/> (its length is the count).</summary>
    private static void ReadColumn(ReadOnlySpan<byte> src, ref int pos, Span<long> xs)
    {
        long min = ReadSigned(src, ref pos);
        if (!Varint.TryReadUnsigned(src, ref pos, out ulong divisor) || pos >= src.Length)
        {
            ThrowTruncated();
        }
        int width = src[pos++];
        if (width > 64)
        {
            throw new InvalidDataException($"block chunk column has bit width {width}");
        }
        long bytes = (((long)xs.Length * width) + 7) / 8;
        if (src.Length - pos < bytes)
        {
            ThrowTruncated();
        }
        var packed = src.Slice(pos, (int)bytes);
        pos += (int)bytes;
        if (width == 0)
        {
            xs.Fill(min);
            return;
        }
        ulong mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
        int n = xs.Length;
        int i = 0;
        if (width <= 56)
        {
            // Fast path: one unaligned 8-byte load per value while 8 bytes remain (bounds checked once, above).
            long fastEnd = Math.Min(n, ((long)packed.Length - 8) * 8 / width);
            ref byte p0 = ref MemoryMarshal.GetReference(packed);
            ref long x0 = ref MemoryMarshal.GetReference(xs);
            long bit = 0;
            for (; i < fastEnd; i++, bit += width)
            {
                ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p0, (nint)(bit >> 3)));
                if (!BitConverter.IsLittleEndian)
                {
                    word = BinaryPrimitives.ReverseEndianness(word);
                }
                Unsafe.Add(ref x0, i) = unchecked(min + (long)(((word >> (int)(bit & 7)) & mask) * divisor));
            }
        }
        for (; i < n; i++)
        {
            long bit = (long)i * width;
            ulong u = 0;
            for (int b = 0; b < width; b++, bit++)
            {
                u |= (ulong)((packed[(int)(bit >> 3)] >> (int)(bit & 7)) & 1) << b;
            }
            xs[i] = unchecked(min + (long)(u * divisor));
        }
    }

    private static long ReadSigned(ReadOnlySpan<byte> src, ref int pos)
    {
        if (!Varint.TryReadSigned(src, ref pos, out long value))
        {
            ThrowTruncated();
        }
        return value;
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
