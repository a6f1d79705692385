using System.Runtime.CompilerServices;

namespace Vigil.Tsdb.Index;

/// <summary>LEB128 variable-length integers (as Go's encoding/binary): unsigned, and zigzag-signed.</summary>
internal static class Varint
{
    /// <summary>Longest encoding of a 64-bit value.</summary>
    public const int MaxLength = 10;

    /// <summary>Writes <paramref name="x"/> at the start of <paramref name="dst"/>; returns the bytes used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteUnsigned(Span<byte> dst, ulong x)
    {
        int n = 0;
        while (x >= 0x80)
        {
            dst[n++] = (byte)(x | 0x80);
            x >>= 7;
        }
        dst[n++] = (byte)x;
        return n;
    }

    /// <summary>Writes a zigzag-encoded signed value; returns the bytes used.</summary>
    public static int WriteSigned(Span<byte> dst, long x) => WriteUnsigned(dst, ZigZag(x));

    /// <summary>The encoded size of <paramref name="x"/>.</summary>
    public static int SizeOf(ulong x)
    {
        int n = 1;
        while (x >= 0x80)
        {
            x >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>Maps signed values to unsigned so small magnitudes stay short.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long x) => (ulong)((x << 1) ^ (x >> 63));

    /// <summary>Inverse of <see cref="ZigZag"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long UnZigZag(ulong u) => (long)(u >> 1) ^ -(long)(u & 1);

    /// <summary>Reads an unsigned varint at <paramref name="pos"/>; false when truncated or longer than 10 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadUnsigned(ReadOnlySpan<byte> src, ref int pos, out ulong x)
    {
        x = 0;
        int shift = 0;
        int p = pos;
        while ((uint)p < (uint)src.Length)
        {
            byte b = src[p++];
            if (b < 0x80)
            {
                if (shift == 63 && b > 1)
                {
                    return false;
                }
                x |= (ulong)b << shift;
                pos = p;
                return true;
            }
            x |= (ulong)(b & 0x7f) << shift;
            shift += 7;
            if (shift > 63)
            {
                return false;
            }
        }
        return false;
    }
}
