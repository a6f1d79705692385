using System.Runtime.CompilerServices;

namespace Vigil.Core.Model;

/// <summary>
/// The staleness marker: a NaN with a specific bit pattern (0x7ff0000000000002) that ends a series.
/// It is distinct from an ordinary NaN sample value, which is data.
/// </summary>
public static class StaleMarker
{
    /// <summary>The raw bits of the staleness marker.</summary>
    public const ulong StaleNaNBits = 0x7ff0000000000002UL;

    /// <summary>The raw bits of the ordinary NaN Prometheus writes (math.NaN()).</summary>
    public const ulong NormalNaNBits = 0x7ff8000000000001UL;

    /// <summary>The staleness marker value.</summary>
    public static readonly double StaleNaN = BitConverter.UInt64BitsToDouble(StaleNaNBits);

    /// <summary>True only for the exact staleness marker bit pattern; false for every other NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStaleNaN(double v) => BitConverter.DoubleToUInt64Bits(v) == StaleNaNBits;
}
