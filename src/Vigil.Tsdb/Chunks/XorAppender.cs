using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Vigil.Tsdb.Chunks;

/// <summary>Appends samples to an <see cref="XorChunk"/>. Not thread-safe; one appender per chunk.</summary>
/// <remarks>Timestamps must be strictly increasing; the caller (the head) enforces ordering.</remarks>
public sealed class XorAppender
{
    private readonly XorChunk _chunk;
    private long _t;
    private long _tDelta;
    private ulong _v;
    private byte _leading = 0xff;
    private byte _trailing;
    private int _count;

    internal XorAppender(XorChunk chunk)
    {
        _chunk = chunk;
        _count = chunk.Count;
        if (_count > 0)
        {
            // Restore state by decoding the existing samples.
            var it = chunk.Iterator();
            while (it.Next())
            {
            }
            _t = it.T;
            _tDelta = it.LastDelta;
            _v = BitConverter.DoubleToUInt64Bits(it.V);
            _leading = it.Leading;
            _trailing = it.Trailing;
            _chunk._bitLength = it.BitPosition;
        }
    }

    /// <summary>Number of samples in the chunk.</summary>
    public int Count => _count;

    /// <summary>Appends one sample.</summary>
    public void Append(long t, double v)
    {
        ulong vbits = BitConverter.DoubleToUInt64Bits(v);
        switch (_count)
        {
            case 0:
                WriteVarint(t);
                WriteBits(vbits, 64);
                break;
            case 1:
                {
                    long delta = t - _t;
                    WriteUvarint((ulong)delta);
                    WriteXor(vbits);
                    _tDelta = delta;
                    break;
                }
            default:
                {
                    long delta = t - _t;
                    long dod = delta - _tDelta;
                    if (dod == 0)
                    {
                        WriteBits(0, 1);
                    }
                    else if (FitsIn(dod, 7))
                    {
                        // Note: unlike Prometheus (14/17/20 bits), a 7-bit first bucket holds scrape jitter of a few
                        // milliseconds in 9 bits instead of 16 — most samples of real scrapes land here.
                        WriteBits(0b10, 2);
                        WriteBits((ulong)dod, 7);
                    }
                    else if (FitsIn(dod, 14))
                    {
                        WriteBits(0b110, 3);
                        WriteBits((ulong)dod, 14);
                    }
                    else if (FitsIn(dod, 20))
                    {
                        WriteBits(0b1110, 4);
                        WriteBits((ulong)dod, 20);
                    }
                    else
                    {
                        WriteBits(0b1111, 4);
                        WriteBits((ulong)dod, 64);
                    }
                    WriteXor(vbits);
                    _tDelta = delta;
                    break;
                }
        }
        _t = t;
        _v = vbits;
        _count++;
        BinaryPrimitives.WriteUInt16BigEndian(_chunk._buf, (ushort)_count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FitsIn(long x, int nbits) => x >= -((1L << (nbits - 1)) - 1) && x <= 1L << (nbits - 1);

    private void WriteXor(ulong vbits)
    {
        ulong delta = vbits ^ _v;
        if (delta == 0)
        {
            WriteBits(0, 1);
            return;
        }
        int leading = BitOperations.LeadingZeroCount(delta);
        int trailing = BitOperations.TrailingZeroCount(delta);
        if (leading >= 32)
        {
            leading = 31; // stored in 5 bits
        }
        if (_leading != 0xff && leading >= _leading && trailing >= _trailing)
        {
            // Reuse the previous window: '10' then the meaningful bits.
            int sig = 64 - _leading - _trailing;
            WriteBits(0b10, 2);
            WriteBits(delta >> _trailing, sig);
            return;
        }
        _leading = (byte)leading;
        _trailing = (byte)trailing;
        int sigbits = 64 - leading - trailing;
        // '11', 5 bits leading zeros, 6 bits significant length (64 written as 0), then the bits.
        WriteBits((0b11UL << 11) | ((ulong)leading << 6) | (uint)(sigbits & 63), 13);
        WriteBits(delta >> trailing, sigbits);
    }

    private void WriteVarint(long x) => WriteUvarint((ulong)((x << 1) ^ (x >> 63)));

    private void WriteUvarint(ulong x)
    {
        while (x >= 0x80)
        {
            WriteBits((x & 0x7f) | 0x80, 8);
            x >>= 7;
        }
        WriteBits(x, 8);
    }

    /// <summary>Writes the low <paramref name="n"/> bits of <paramref name="u"/>, most significant first.</summary>
    private void WriteBits(ulong u, int n)
    {
        if (n == 0)
        {
            return;
        }
        int pos = _chunk._bitLength;
        int needBytes = ((pos + n + 7) >> 3) + 8;
        var buf = _chunk._buf;
        if (needBytes > buf.Length)
        {
            // Note: a new array, never a resize in place, so readers holding the old buffer stay consistent.
            var nb = new byte[Math.Max(needBytes, buf.Length * 2)];
            buf.AsSpan(0, (pos + 7) >> 3).CopyTo(nb);
            _chunk._buf = buf = nb;
        }
        if (n < 64)
        {
            u &= (1UL << n) - 1;
        }
        u <<= 64 - n; // align to the top
        int remaining = n;
        while (remaining > 0)
        {
            int byteIdx = pos >> 3;
            int used = pos & 7;
            int free = 8 - used;
            int take = Math.Min(free, remaining);
            byte bits = (byte)(u >> (64 - take));
            buf[byteIdx] |= (byte)(bits << (free - take));
            u <<= take;
            remaining -= take;
            pos += take;
        }
        _chunk._bitLength = pos;
    }
}
