using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vigil.Tsdb.Internal;

/// <summary>CRC-32C (Castagnoli) over spans, using the CPU's CRC instructions through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal static class Crc32C
{
    /// <summary>The initial value of a running checksum.</summary>
    public const uint Seed = 0xFFFFFFFFu;

    /// <summary>The checksum of <paramref name="data"/> alone.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Seed, data));

    /// <summary>Folds <paramref name="data"/> into a running checksum started with <see cref="Seed"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint n = (nuint)data.Length;
        nuint i = 0;
        while (n - i >= 32)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 16)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 24)));
            i += 32;
        }
        while (n - i >= 8)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            i += 8;
        }
        if (n - i >= 4)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            i += 4;
        }
        while (i < n)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.Add(ref p, i));
            i++;
        }
        return crc;
    }

    /// <summary>Extends a finished checksum <paramref name="crc"/> with more bytes, as if they had been part of the first call.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => Finish(Update(~crc, data));

    /// <summary>Turns a running checksum into the final CRC-32C value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Finish(uint crc) => ~crc;
}
