using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

public sealed class GoTextTests
{
    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("tab\tnl\n", "\"tab\\tnl\\n\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    [InlineData("é€", "\"é€\"")]
    public void Quote_String_MatchesGoStrconvQuote(string input, string expected) => Assert.Equal(expected, GoText.Quote(input));

    [Fact]
    public void Unquote_InvalidUtf8Escape_RoundTripsThroughQuote()
    {
        Assert.True(GoText.TryUnquote("\"a\\xc5z\"", out string v, out _));
        Assert.False(Vigil.Core.Labels.LabelValidation.IsValidUtf8(v));
        Assert.Equal("\"a\\xc5z\"", GoText.Quote(v));
        Assert.True(GoText.TryUnquote("\"\\xe2\\x82\\xac\"", out string euro, out _));
        Assert.Equal("€", euro);
    }

    [Fact]
    public void Unquote_LoneSurrogates_BecomeReplacementCharacterAsWhenPrintedAndReparsed()
    {
        // Note: in code, not [InlineData]: attribute strings are stored as UTF-8, which cannot hold a lone surrogate.
        // Two lone high surrogates next to an escape used to overflow the UTF-8 buffer (an ArgumentException, a 500).
        (string Literal, string Expected)[] cases =
        [
            ("\"\\n\uD800\uD800x\"", "\n\uFFFD\uFFFDx"),
            ("\"a\uD800\"", "a\uFFFD"),
            ("`\uDBFF`", "\uFFFD"),
            ("\"\uD83D\uDE00\\t\"", "\U0001F600\t"),
        ];
        foreach (var (literal, expected) in cases)
        {
            Assert.True(GoText.TryUnquote(literal, out string value, out string error), error);
            Assert.Equal(expected, value);
            Assert.True(GoText.TryUnquote(GoText.Quote(value), out string again, out _));
            Assert.Equal(value, again);
        }
    }

    [Theory]
    [InlineData("'it\\'s'", "it's")]
    [InlineData("`raw\\n`", "raw\\n")]
    [InlineData("\"\\u00e9\\101\"", "éA")]
    public void Unquote_AllQuoteStyles_DecodeEscapes(string literal, string expected)
    {
        Assert.True(GoText.TryUnquote(literal, out string v, out string err), err);
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("\"bad\\q\"")]
    [InlineData("'a\"")]
    [InlineData("\"\\x4\"")]
    public void Unquote_Malformed_ReturnsFalse(string literal) => Assert.False(GoText.TryUnquote(literal, out _, out _));

    [Theory]
    [InlineData("0x1f", 31)]
    [InlineData("017", 15)]
    [InlineData("08", 8)]
    [InlineData("1_000", 1000)]
    [InlineData("1e3", 1000)]
    [InlineData(".5", 0.5)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("9223372036854775808", 9223372036854775808d)]
    public void TryParseNumber_GoSyntax_ParsesLikePrometheus(string s, double expected)
    {
        Assert.True(GoText.TryParseNumber(s, out double v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData(1e21, "1000000000000000000000")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    public void FormatFloat_ShortestWithoutExponent(double v, string expected) => Assert.Equal(expected, GoText.FormatFloat(v));

    [Theory]
    [InlineData(1.01, "1.01")]
    [InlineData(1e6, "1e+06")]
    [InlineData(123456, "123456")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(double.NaN, "NaN")]
    public void FormatFloatG_MatchesGoPercentG(double v, string expected) => Assert.Equal(expected, GoText.FormatFloatG(v));

    [Theory]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("0", 0)]
    [InlineData("10s53ms", 10_053)]
    [InlineData("1y", 31_536_000_000)]
    public void PromDuration_Parse_AcceptsPrometheusDurations(string s, long ms) => Assert.Equal(ms, PromDuration.Parse(s));

    [Theory]
    [InlineData("1m1h")]
    [InlineData("5")]
    [InlineData("-5m")]
    public void PromDuration_Parse_RejectsMalformed(string s)
    {
        var ex = Assert.Throws<FormatException>(() => PromDuration.Parse(s));
        Assert.Contains("not a valid duration string", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(7_776_000_000, "90d")]
    [InlineData(1_209_600_000, "2w")]
    [InlineData(1500, "1s500ms")]
    [InlineData(0, "0s")]
    public void PromDuration_Format_MatchesModelDuration(long ms, string expected) => Assert.Equal(expected, PromDuration.Format(ms));
}
