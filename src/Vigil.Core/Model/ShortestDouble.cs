using System.Numerics;
using System.Runtime.CompilerServices;

namespace Vigil.Core.Model;

/// <summary>
/// Formats doubles as the shortest decimal that reads back to the same double, laid out as Go's
/// <c>strconv.FormatFloat(v, 'f', -1, 64)</c> does (what Prometheus's API writes): never an exponent, <c>+Inf</c>,
/// <c>-Inf</c> and <c>NaN</c> for the special values. Digits come from the Ryū algorithm (Ulf Adams, PLDI 2018), so
/// no big-number arithmetic happens per value.
/// </summary>
/// <remarks>Thread-safe (the multiplier tables are computed once, at type initialisation, with <see cref="BigInteger"/>).</remarks>
public static class ShortestDouble
{
    /// <summary>Bytes that always suffice for <see cref="Format(double, Span{byte})"/> (the longest output is 5e-324, 326 bytes).</summary>
    public const int MaxLength = 330;

    private const int MantissaBits = 52;
    private const int ExponentBias = 1023;
    private const int Pow5InverseBitCount = 125;
    private const int Pow5BitCount = 125;
    private const int Pow5InverseTableSize = 342;
    private const int Pow5TableSize = 326;

    // Multipliers as (low, high) 64-bit pairs: ⌈2^k / 5^q⌉ and 5^i scaled to 125 bits, as the algorithm prescribes.
    private static readonly ulong[] Pow5InverseSplit = BuildInverseTable();
    private static readonly ulong[] Pow5Split = BuildTable();

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (ASCII) and returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the output; <see cref="MaxLength"/> bytes always suffice.</exception>
    public static int Format(double value, Span<byte> destination)
        => TryFormat(value, destination, out int written) ? written : throw new ArgumentException($"the destination needs up to {MaxLength} bytes", nameof(destination));

    /// <summary>The formatted value as a string.</summary>
    public static string Format(double value)
    {
        Span<byte> buf = stackalloc byte[MaxLength];
        int n = Format(value, buf);
        return System.Text.Encoding.ASCII.GetString(buf[..n]);
    }

    /// <summary>Writes <paramref name="value"/>; false when <paramref name="destination"/> is too short.</summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        written = 0;
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        bool negative = (long)bits < 0;
        ulong mantissa = bits & ((1UL << MantissaBits) - 1);
        int exponent = (int)((bits >> MantissaBits) & 0x7FF);
        if (exponent == 0x7FF)
        {
            var special = mantissa != 0 ? "NaN"u8 : negative ? "-Inf"u8 : "+Inf"u8;
            return Copy(special, destination, ref written);
        }
        int pos = 0;
        if (negative)
        {
            if (destination.IsEmpty)
            {
                return false;
            }
            destination[pos++] = (byte)'-';
        }
        if (exponent == 0 && mantissa == 0)
        {
            if (pos >= destination.Length)
            {
                return false;
            }
            destination[pos++] = (byte)'0';
            written = pos;
            return true;
        }
        ulong digits;
        int exp10;
        // Note: integers below 2^53 are printed directly; that is most counter and gauge values.
        int shift = MantissaBits + ExponentBias - exponent;
        if (exponent != 0 && shift >= 0 && shift <= MantissaBits && (mantissa & ((1UL << shift) - 1)) == 0)
        {
            digits = ((1UL << MantissaBits) | mantissa) >> shift;
            exp10 = 0;
        }
        else
        {
            (digits, exp10) = Shortest(mantissa, exponent);
        }
        if (!Layout(digits, exp10, destination[pos..], out int n))
        {
            return false;
        }
        written = pos + n;
        return true;
    }

    /// <summary>Writes <paramref name="digits"/> × 10^<paramref name="exp10"/> without an exponent.</summary>
    private static bool Layout(ulong digits, int exp10, Span<byte> destination, out int written)
    {
        written = 0;
        int length = DecimalLength(digits);
        int pointPos = length + exp10;
        int total = exp10 >= 0 ? length + exp10 : pointPos > 0 ? length + 1 : 2 - pointPos + length;
        if (total > destination.Length)
        {
            return false;
        }
        if (exp10 >= 0)
        {
            WriteDigits(digits, destination[..length]);
            destination.Slice(length, exp10).Fill((byte)'0');
        }
        else if (pointPos > 0)
        {
            WriteDigits(digits, destination[..length]);
            destination.Slice(pointPos, length - pointPos).CopyTo(destination[(pointPos + 1)..]);
            destination[pointPos] = (byte)'.';
        }
        else
        {
            destination[0] = (byte)'0';
            destination[1] = (byte)'.';
            destination.Slice(2, -pointPos).Fill((byte)'0');
            WriteDigits(digits, destination.Slice(2 - pointPos, length));
        }
        written = total;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> right-aligned into exactly <paramref name="destination"/>, two digits at a time.</summary>
    private static void WriteDigits(ulong value, Span<byte> destination)
    {
        ReadOnlySpan<byte> pairs = DigitPairs;
        int i = destination.Length;
        while (i >= 2)
        {
            ulong q = value / 100;
            int r = (int)(value - (q * 100)) * 2;
            destination[--i] = pairs[r + 1];
            destination[--i] = pairs[r];
            value = q;
        }
        if (i == 1)
        {
            destination[0] = (byte)('0' + (int)value);
        }
    }

    /// <summary>Writes a non-negative integer and returns its length (<paramref name="destination"/> holds at least 20 bytes).</summary>
    public static int FormatInteger(ulong value, Span<byte> destination)
    {
        int length = DecimalLength(value);
        WriteDigits(value, destination[..length]);
        return length;
    }

    // Note: an array, not a u8-literal span property, which allocates on every access in unoptimised (Debug) builds.
    private static readonly byte[] DigitPairs =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8.ToArray();

    private static int DecimalLength(ulong v)
    {
        if (v >= 10_000_000_000UL)
        {
            int n = 11;
            for (ulong bound = 100_000_000_000UL; n < 20 && v >= bound; bound *= 10)
            {
                n++;
            }
            return n;
        }
        if (v >= 100_000UL)
        {
            return v >= 1_000_000_000UL ? 10 : v >= 100_000_000UL ? 9 : v >= 10_000_000UL ? 8 : v >= 1_000_000UL ? 7 : 6;
        }
        return v >= 10_000UL ? 5 : v >= 1_000UL ? 4 : v >= 100UL ? 3 : v >= 10UL ? 2 : 1;
    }

    /// <summary>The shortest decimal (digits, power of ten) in the rounding interval of a finite non-zero double.</summary>
    private static (ulong Digits, int Exponent) Shortest(ulong ieeeMantissa, int ieeeExponent)
    {
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }
        bool acceptBounds = (m2 & 1) == 0;
        ulong mv = 4 * m2;
        uint mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        // Step 3: the interval (vm, vp) around vr, scaled by a power of ten.
        ulong vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false;
        bool vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            int q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            int k = Pow5InverseBitCount + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5InverseSplit, q, i, mmShift, out vp, out vm);
            if (q <= 21)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else if (MultipleOfPowerOf5(mv + 2, q))
                {
                    vp--;
                }
            }
        }
        else
        {
            int q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - Pow5BitCount;
            int j = q - k;
            vr = MulShiftAll(m2, Pow5Split, i, j, mmShift, out vp, out vm);
            if (q <= 1)
            {
                // mv has at least q trailing zero bits (it is a multiple of 4), so vr is exact.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        // Step 4: drop digits while the interval still holds a shorter number, rounding the last one correctly.
        int removed = 0;
        int lastRemovedDigit = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = (int)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = (int)(vr % 10);
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                // Exactly halfway: round to even.
                lastRemovedDigit = 4;
            }
            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // The common case: no trailing zeros to track.
            bool roundUp = false;
            if (vp / 100 > vm / 100)
            {
                roundUp = vr % 100 >= 50;
                vr /= 100;
                vp /= 100;
                vm /= 100;
                removed += 2;
            }
            while (vp / 10 > vm / 10)
            {
                roundUp = vr % 10 >= 5;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }
        return (output, e10 + removed);
    }

    private static ulong MulShiftAll(ulong m, ulong[] table, int index, int j, uint mmShift, out ulong vp, out ulong vm)
    {
        ulong low = table[2 * index];
        ulong high = table[(2 * index) + 1];
        vp = MulShift(4 * m + 2, low, high, j);
        vm = MulShift(4 * m - 1 - mmShift, low, high, j);
        return MulShift(4 * m, low, high, j);
    }

    /// <summary>(m × (high·2^64 + low)) &gt;&gt; j, for 64 &lt; j &lt; 128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShift(ulong m, ulong low, ulong high, int j)
    {
        ulong high0 = Math.BigMul(m, low, out _);
        ulong high1 = Math.BigMul(m, high, out ulong low1);
        ulong sum = low1 + high0;
        if (sum < low1)
        {
            high1++;
        }
        int s = j - 64;
        return (high1 << (64 - s)) | (sum >> s);
    }

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        int count = 0;
        while (value != 0 && value % 5 == 0)
        {
            value /= 5;
            count++;
        }
        return count >= p;
    }

    /// <summary>⌈log2(5^e)⌉ for 0 ≤ e ≤ 3528 (5^0 counts as 1 bit).</summary>
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    /// <summary>⌊log10(2^e)⌋ for 0 ≤ e ≤ 1650.</summary>
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>⌊log10(5^e)⌋ for 0 ≤ e ≤ 2620.</summary>
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static ulong[] BuildInverseTable()
    {
        var table = new ulong[2 * Pow5InverseTableSize];
        var mask = (BigInteger.One << 64) - 1;
        for (int q = 0; q < Pow5InverseTableSize; q++)
        {
            var pow = BigInteger.Pow(5, q);
            int j = (int)pow.GetBitLength() - 1 + Pow5InverseBitCount;
            var inverse = (BigInteger.One << j) / pow + 1;
            table[2 * q] = (ulong)(inverse & mask);
            table[(2 * q) + 1] = (ulong)(inverse >> 64);
        }
        return table;
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[2 * Pow5TableSize];
        var mask = (BigInteger.One << 64) - 1;
        for (int i = 0; i < Pow5TableSize; i++)
        {
            var pow = BigInteger.Pow(5, i);
            int shift = (int)pow.GetBitLength() - Pow5BitCount;
            var split = shift >= 0 ? pow >> shift : pow << -shift;
            table[2 * i] = (ulong)(split & mask);
            table[(2 * i) + 1] = (ulong)(split >> 64);
        }
        return table;
    }

    private static bool Copy(ReadOnlySpan<byte> text, Span<byte> destination, ref int written)
    {
        if (!text.TryCopyTo(destination))
        {
            return false;
        }
        written = text.Length;
        return true;
    }
}
