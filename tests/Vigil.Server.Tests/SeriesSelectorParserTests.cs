using Vigil.Core.Labels;
using Vigil.Server.Api;

namespace Vigil.Server.Tests;

public class SeriesSelectorParserTests
{
    private static string Render(LabelMatcher[] ms) => string.Join(", ", ms.Select(m => m.ToString()));

    [Fact]
    public void Parse_MetricNameOnly_ReturnsNameMatcher()
    {
        var ms = SeriesSelectorParser.Parse("node_cpu_seconds_total");
        Assert.Equal("__name__=\"node_cpu_seconds_total\"", Render(ms));
    }

    [Fact]
    public void Parse_AllFourOperators_ReturnsMatchersInOrder()
    {
        var ms = SeriesSelectorParser.Parse("up{job=\"node\", mode!=\"idle\", cpu=~\"0|1\", device!~\"lo.*\"}");
        Assert.Equal(5, ms.Length);
        Assert.Equal(MatchOp.Equal, ms[1].Type);
        Assert.Equal(MatchOp.NotEqual, ms[2].Type);
        Assert.Equal(MatchOp.Regexp, ms[3].Type);
        Assert.Equal(MatchOp.NotRegexp, ms[4].Type);
        Assert.True(ms[3].Matches("1"));
        Assert.False(ms[4].Matches("lo0"));
    }

    [Fact]
    public void Parse_BracesOnlyWithTrailingCommaAndSpaces_Accepted()
    {
        var ms = SeriesSelectorParser.Parse("  { __name__ = \"up\" , job = 'x' , }  ");
        Assert.Equal("__name__=\"up\", job=\"x\"", Render(ms));
    }

    [Fact]
    public void Parse_QuotedUtf8MetricAndLabelNames_Accepted()
    {
        var ms = SeriesSelectorParser.Parse("{\"my.metric.µs\", \"label.with-dash\"=\"v\"}");
        Assert.Equal("my.metric.µs", ms[0].Value);
        Assert.Equal(LabelSet.MetricName, ms[0].Name);
        Assert.Equal("label.with-dash", ms[1].Name);
    }

    [Theory]
    [InlineData("a{b=\"x\\ny\"}", "x\ny")]
    [InlineData("a{b=\"q\\\"uote\"}", "q\"uote")]
    [InlineData("a{b='it\\'s'}", "it's")]
    [InlineData("a{b=\"\\x41\\102\\u00e9\\U0001F600\"}", "ABé😀")]
    [InlineData("a{b=\"\\xe2\\x82\\xac\"}", "€")]
    [InlineData("a{b=`raw \\n stays`}", "raw \\n stays")]
    [InlineData("a{b=\"tab\\tback\\\\slash\"}", "tab\tback\\slash")]
    public void Parse_StringEscapes_Decoded(string input, string expected)
        => Assert.Equal(expected, SeriesSelectorParser.Parse(input)[1].Value);

    [Fact]
    public void Parse_Comment_IsIgnored()
        => Assert.Equal("__name__=\"up\"", Render(SeriesSelectorParser.Parse("up # the up metric\n")));

    [Theory]
    [InlineData("", 1, 1, "unexpected end of input")]
    [InlineData("up{", 1, 4, "unexpected end of input inside braces")]
    [InlineData("up{job=\"x\"", 1, 11, "unexpected end of input inside braces")]
    [InlineData("up{job=\"x}", 1, 8, "unterminated quoted string")]
    [InlineData("up{job}", 1, 7, "expected one of '=', '!=', '=~', '!~'")]
    [InlineData("up{job==\"x\"}", 1, 7, "'=='")]
    [InlineData("up{job=x}", 1, 8, "label values must be quoted")]
    [InlineData("up{job=\"x\" mode=\"y\"}", 1, 12, "expected ',' or '}'")]
    [InlineData("up{1job=\"x\"}", 1, 4, "expected a label name")]
    [InlineData("up{a:b=\"x\"}", 1, 5, "':'")]
    [InlineData("up{job=\"\\q\"}", 1, 9, "unknown escape sequence U+0071 'q'")]
    [InlineData("up{job=\"\\xZZ\"}", 1, 11, "illegal character")]
    [InlineData("up{job=\"\\uD800\"}", 1, 9, "invalid Unicode code point")]
    [InlineData("up{job=\"\\xff\"}", 1, 8, "invalid UTF-8")]
    [InlineData("up[5m]", 1, 3, "after the selector")]
    [InlineData("sum(up)", 1, 4, "after the selector")]
    [InlineData("{}", 1, 1, "at least one non-empty matcher")]
    [InlineData("{job=\"\"}", 1, 1, "at least one non-empty matcher")]
    [InlineData("{job=~\".*\"}", 1, 1, "at least one non-empty matcher")]
    [InlineData("up{__name__=\"down\"}", 1, 4, "metric name must not be set twice")]
    [InlineData("up{\"down\"}", 1, 4, "metric name must not be set twice")]
    [InlineData("up{job=~\"(\"}", 1, 9, "invalid regular expression")]
    [InlineData("up{\n  job=\"x\",\n  bad\n}", 4, 1, "expected one of")]
    [InlineData("1up", 1, 1, "expected a metric name")]
    public void Parse_BadInput_ThrowsWithPosition(string input, int line, int column, string fragment)
    {
        var e = Assert.Throws<SelectorParseException>(() => SeriesSelectorParser.Parse(input));
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{line}:{column}: parse error: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_BadInput_ReturnsFalseWithMessage()
    {
        Assert.False(SeriesSelectorParser.TryParse("up{", out var ms, out var error));
        Assert.Empty(ms);
        Assert.StartsWith("1:4: parse error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NameAndNonEmptyMatcherAfterEmptyOne_Accepted()
    {
        var ms = SeriesSelectorParser.Parse("{job=\"\", instance=\"h\"}");
        Assert.Equal(2, ms.Length);
    }
}
