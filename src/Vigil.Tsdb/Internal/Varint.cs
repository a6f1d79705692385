using System.Runtime.CompilerServices;

namespace Vigil.Tsdb.Internal;

/// <summary>LEB128 variable-length integers (Go's <c>encoding/binary</c> uvarint/varint, zig-zag for signed values).</summary>
internal static class Varint
{
    /// <summary>The most bytes one 64-bit varint can take.</summary>
    public const int MaxLength = 10;

    /// <summary>The number of bytes <c>WriteUnsigned</c> uses for <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int UnsignedLength(ulong value)
    {
        // Note: ceil(bitLength / 7) with at least one byte, without a loop.
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(value | 1);
        return (bits + 6) / 7;
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="pos"/> and returns the position after it; the caller guarantees room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteUnsigned(Span<byte> dst, int pos, ulong value)
    {
        while (value >= 0x80)
        {
            dst[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        dst[pos++] = (byte)value;
        return pos;
    }

    /// <summary>Writes a zig-zag encoded signed value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteSigned(Span<byte> dst, int pos, long value)
        => WriteUnsigned(dst, pos, (ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Reads an unsigned varint at <paramref name="pos"/>; false when truncated or longer than 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadUnsigned(ReadOnlySpan<byte> src, ref int pos, out ulong value)
    {
        int p = pos;
        if ((uint)p < (uint)src.Length && src[p] < 0x80)
        {
            value = src[p];
            pos = p + 1;
            return true;
        }
        return TryReadUnsignedSlow(src, ref pos, out value);
    }

    private static bool TryReadUnsignedSlow(ReadOnlySpan<byte> src, ref int pos, out ulong value)
    {
        ulong result = 0;
        int shift = 0;
        int p = pos;
        for (int i = 0; i < MaxLength; i++)
        {
            if ((uint)p >= (uint)src.Length)
            {
                value = 0;
                return false;
            }
            byte b = src[p++];
            if (b < 0x80)
            {
                if (i == MaxLength - 1 && b > 1)
                {
                    value = 0;
                    return false;
                }
                value = result | ((ulong)b << shift);
                pos = p;
                return true;
            }
            result |= (ulong)(b & 0x7f) << shift;
            shift += 7;
        }
        value = 0;
        return false;
    }

    /// <summary>Reads a zig-zag encoded signed varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadSigned(ReadOnlySpan<byte> src, ref int pos, out long value)
    {
        if (!TryReadUnsigned(src, ref pos, out ulong u))
        {
            value = 0;
            return false;
        }
        value = (long)(u >> 1) ^ -(long)(u & 1);
        return true;
    }

    /// <summary>Writes <paramref name="x"/> at the start of <paramref name="dst"/>; returns the bytes used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteUnsigned(Span<byte> dst, ulong x) => WriteUnsigned(dst, 0, x);

    /// <summary>Writes a zigzag-encoded signed value at the start of <paramref name="dst"/>; returns the bytes used.</summary>
    public static int WriteSigned(Span<byte> dst, long x) => WriteUnsigned(dst, 0, ZigZag(x));

    /// <summary>Maps signed values to unsigned so small magnitudes stay short.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long x) => (ulong)((x << 1) ^ (x >> 63));

    /// <summary>Inverse of <see cref="ZigZag"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long UnZigZag(ulong u) => (long)(u >> 1) ^ -(long)(u & 1);
}
