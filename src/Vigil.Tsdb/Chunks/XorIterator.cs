using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vigil.Core.Storage;

namespace Vigil.Tsdb.Chunks;

/// <summary>Decodes an XOR chunk. Reusable via <c>Reset</c>; not thread-safe.</summary>
public sealed class XorIterator : ISampleIterator
{
    private byte[] _buf = [];
    private int _start;
    private int _endBit;
    private int _pos;      // absolute bit position in _buf
    private int _count;
    private int _read;
    private long _t;
    private long _tDelta;
    private ulong _v;
    private byte _leading;
    private byte _trailing;
    private Exception? _error;

    /// <summary>Points the iterator at encoded chunk bytes <c>buf[offset..offset+length]</c> holding <paramref name="count"/> samples.</summary>
    public void Reset(byte[] buf, int offset, int length, int count)
    {
        _buf = buf;
        _start = offset;
        _endBit = (offset + length) * 8;
        _pos = (offset + 2) * 8;
        _count = count;
        _read = 0;
        _t = 0;
        _tDelta = 0;
        _v = 0;
        _leading = 0;
        _trailing = 0;
        _error = null;
    }

    /// <summary>Points the iterator at encoded chunk bytes, taking the count from the header.</summary>
    public void Reset(byte[] buf, int offset, int length)
        => Reset(buf, offset, length, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(offset)));

    /// <inheritdoc />
    public long T => _t;

    /// <inheritdoc />
    public double V => BitConverter.UInt64BitsToDouble(_v);

    /// <inheritdoc />
    public Exception? Error => _error;

    internal long LastDelta => _tDelta;

    internal byte Leading => _leading;

    internal byte Trailing => _trailing;

    internal int BitPosition => _pos;

    /// <inheritdoc />
    public bool Seek(long t)
    {
        if (_read > 0 && _t >= t)
        {
            return true;
        }
        while (Next())
        {
            if (_t >= t)
            {
                return true;
            }
        }
        return false;
    }

    /// <inheritdoc />
    public bool Next()
    {
        if (_read >= _count || _error is not null)
        {
            return false;
        }
        if (_read < 2)
        {
            return NextHead();
        }
        // Note: the hot path decodes from at most three 64-bit peeks and checks the end once per sample; peeks never
        // read outside the array (zero-padded past it), so a truncated stream is caught by the final bound check.
        int pos = _pos;
        ulong w = Peek64(pos);
        long dod;
        if ((long)w >= 0)
        {
            pos += 1;
            dod = 0;
        }
        else
        {
            switch (System.Numerics.BitOperations.LeadingZeroCount(~w))
            {
                case 1:
                    dod = SignExtend((w >> 55) & 0x7F, 7);
                    pos += 9;
                    break;
                case 2:
                    dod = SignExtend((w >> 47) & 0x3FFF, 14);
                    pos += 17;
                    break;
                case 3:
                    dod = SignExtend((w >> 40) & 0xFFFFF, 20);
                    pos += 24;
                    break;
                default:
                    dod = (long)Peek64(pos + 4);
                    pos += 68;
                    break;
            }
        }
        w = Peek64(pos);
        if ((long)w >= 0)
        {
            pos += 1; // same value
        }
        else if ((w & (1UL << 62)) == 0)
        {
            // '10': reuse the previous window.
            int sig = 64 - _leading - _trailing;
            ulong bits = sig <= 62 ? (w << 2) >> (64 - sig) : TakeBits(pos + 2, sig);
            _v ^= bits << _trailing;
            pos += 2 + sig;
        }
        else
        {
            int leading = (int)((w >> 57) & 31);
            int sigbits = (int)((w >> 51) & 63);
            if (sigbits == 0)
            {
                sigbits = 64;
            }
            int trailing = 64 - leading - sigbits;
            if (trailing < 0)
            {
                _pos = pos;
                return Fail();
            }
            ulong bits = sigbits <= 51 ? (w << 13) >> (64 - sigbits) : TakeBits(pos + 13, sigbits);
            _leading = (byte)leading;
            _trailing = (byte)trailing;
            _v ^= bits << trailing;
            pos += 13 + sigbits;
        }
        if (pos > _endBit)
        {
            _pos = pos;
            return Fail();
        }
        _pos = pos;
        _tDelta += dod;
        _t += _tDelta;
        _read++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SignExtend(ulong bits, int nbits)
    {
        long v = (long)bits;
        if (bits > 1UL << (nbits - 1))
        {
            v -= 1L << nbits;
        }
        return v;
    }

    /// <summary>The <paramref name="n"/> (1..64) bits at bit position <paramref name="pos"/>.</summary>
    private ulong TakeBits(int pos, int n)
    {
        ulong w = Peek64(pos);
        return n == 64 ? w : w >> (64 - n);
    }

    /// <summary>Decodes the first or second sample, whose timestamps are varints.</summary>
    private bool NextHead()
    {
        if (_read == 0)
        {
            if (!TryReadVarint(out long t))
            {
                return false;
            }
            if (!Has(64))
            {
                return Fail();
            }
            _t = t;
            _v = ReadBits(64);
            _read++;
            return true;
        }
        if (!TryReadUvarint(out ulong dt))
        {
            return false;
        }
        _tDelta = (long)dt;
        _t += _tDelta;
        _read++;
        return ReadValue();
    }

    private bool ReadValue()
    {
        if (!Has(1))
        {
            return Fail();
        }
        ulong peek = Peek64();
        if ((peek & (1UL << 63)) == 0)
        {
            _pos += 1; // same value
            return true;
        }
        if ((peek & (1UL << 62)) == 0)
        {
            // '10': reuse the window.
            int sig = 64 - _leading - _trailing;
            if (!Has(2 + sig))
            {
                return Fail();
            }
            _pos += 2;
            ulong bits = ReadBits(sig);
            _v ^= bits << _trailing;
            return true;
        }
        if (!Has(13))
        {
            return Fail();
        }
        _pos += 2;
        ulong hdr = ReadBits(11);
        int leading = (int)(hdr >> 6);
        int sigbits = (int)(hdr & 63);
        if (sigbits == 0)
        {
            sigbits = 64;
        }
        int trailing = 64 - leading - sigbits;
        if (trailing < 0 || !Has(sigbits))
        {
            return Fail();
        }
        _leading = (byte)leading;
        _trailing = (byte)trailing;
        ulong v = ReadBits(sigbits);
        _v ^= v << trailing;
        return true;
    }

    private bool Fail()
    {
        _error ??= new InvalidDataException($"XOR chunk truncated or corrupt after {_read} of {_count} samples (bit {_pos - _start * 8})");
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Has(int bits) => _pos + bits <= _endBit;

    /// <summary>The next 64 bits at the current position, zero-padded past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Peek64() => Peek64(_pos);

    /// <summary>The 64 bits starting at bit <paramref name="pos"/>, zero-padded past the end of the buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Peek64(int pos)
    {
        int byteIdx = pos >> 3;
        var buf = _buf;
        if ((uint)byteIdx + 9 <= (uint)buf.Length)
        {
            ref byte r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buf), byteIdx);
            ulong w = Unsafe.ReadUnaligned<ulong>(ref r);
            if (BitConverter.IsLittleEndian)
            {
                w = BinaryPrimitives.ReverseEndianness(w);
            }
            int shift = pos & 7;
            // Note: for shift 0 the extra byte shifts out entirely ((ulong)b >> 8 == 0).
            return (w << shift) | ((ulong)Unsafe.Add(ref r, 8) >> (8 - shift));
        }
        return Peek64Slow(byteIdx, pos & 7);
    }

    private ulong Peek64Slow(int byteIdx, int shift)
    {
        ulong w = 0;
        for (int i = 0; i < 9; i++)
        {
            ulong b = byteIdx + i < _buf.Length ? _buf[byteIdx + i] : 0UL;
            if (i < 8)
            {
                w |= b << (56 - (i * 8));
            }
            else if (shift != 0)
            {
                return (w << shift) | (b >> (8 - shift));
            }
        }
        return shift == 0 ? w : w << shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadBits(int n)
    {
        ulong w = Peek64();
        _pos += n;
        return n == 64 ? w : w >> (64 - n);
    }

    private bool TryReadUvarint(out ulong x)
    {
        x = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!Has(8))
            {
                return Fail();
            }
            ulong b = ReadBits(8);
            x |= (b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return Fail();
    }

    private bool TryReadVarint(out long x)
    {
        if (!TryReadUvarint(out ulong u))
        {
            x = 0;
            return false;
        }
        x = (long)(u >> 1) ^ -(long)(u & 1);
        return true;
    }
}
