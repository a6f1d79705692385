using System.Globalization;
using System.Text;
using Vigil.Core.Model;

namespace Vigil.Core.Tests;

public class ShortestDoubleTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(1.0, "1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(1e-10, "0.0000000001")]
    [InlineData(1e21, "1000000000000000000000")]
    [InlineData(123456789012345680.0, "123456789012345680")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(1700000030.5, "1700000030.5")]
    [InlineData(0.15444444444444447, "0.15444444444444447")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Format_KnownValues_GoFixedLayout(double value, string expected)
        => Assert.Equal(expected, ShortestDouble.Format(value));

    [Fact]
    public void Format_SmallestSubnormal_ZerosThenFive()
        => Assert.Equal("0." + new string('0', 323) + "5", ShortestDouble.Format(double.Epsilon));

    [Fact]
    public void Format_MaxValue_AllDigitsNoExponent()
    {
        string s = ShortestDouble.Format(double.MaxValue);
        Assert.Equal(309, s.Length);
        Assert.StartsWith("17976931348623157", s, StringComparison.Ordinal);
        Assert.Equal(double.MaxValue, double.Parse(s, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Format_RandomBitPatterns_ShortestDigitsThatRoundTrip()
    {
        var rnd = new Random(7);
        Span<byte> buf = stackalloc byte[ShortestDouble.MaxLength];
        var failures = new List<string>();
        for (int i = 0; i < 300_000 && failures.Count < 10; i++)
        {
            double v = i % 3 == 0
                ? BitConverter.Int64BitsToDouble(rnd.NextInt64())
                : i % 3 == 1 ? rnd.NextDouble() * Math.Pow(10, rnd.Next(-30, 30)) : Math.Round(rnd.NextDouble() * 1e6, rnd.Next(0, 8));
            if (!double.IsFinite(v))
            {
                continue;
            }
            string got = Encoding.ASCII.GetString(buf[..ShortestDouble.Format(v, buf)]);
            string expected = Reference(v);
            if (got != expected)
            {
                failures.Add($"{v:R}: got {got}, expected {expected}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TryFormat_ShortDestination_ReturnsFalse()
    {
        Span<byte> small = stackalloc byte[3];
        Assert.False(ShortestDouble.TryFormat(0.125, small, out _));
        Assert.True(ShortestDouble.TryFormat(125, small, out int n));
        Assert.Equal(3, n);
    }

    /// <summary>.NET's shortest round-trip digits ("R") laid out without an exponent.</summary>
    private static string Reference(double v)
    {
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        string mantissa = e < 0 ? r : r[..e];
        int exp = e < 0 ? 0 : int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int point = (dot < 0 ? mantissa.Length : dot) + exp;
        int lead = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0');
        point -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return v < 0 ? "-0" : "0";
        }
        string text = point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length)
            : digits[..point] + "." + digits[point..];
        return v < 0 ? "-" + text : text;
    }
}
