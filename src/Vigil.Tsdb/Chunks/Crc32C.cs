using System.Buffers.Binary;
using System.Numerics;

namespace Vigil.Tsdb.Chunks;

/// <summary>CRC-32C (Castagnoli), the checksum of chunk records and index sections; hardware-accelerated where available.</summary>
internal static class Crc32C
{
    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends a finished checksum <paramref name="crc"/> with more bytes, as if they had been part of the first call.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        while (data.Length >= 8)
        {
            c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
        {
            c = BitOperations.Crc32C(c, b);
        }
        return ~c;
    }
}
