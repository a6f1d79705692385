using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

public sealed class ParserTests
{
    [Theory]
    [InlineData("1 + 2 * 3", "1 + 2 * 3")]
    [InlineData("foo{job=\"a\"} + on(instance) group_left(x) bar", "foo{job=\"a\"} + on (instance) group_left (x) bar")]
    [InlineData("sum by (job) (rate(http_requests_total[5m]))", "sum by (job) (rate(http_requests_total[5m]))")]
    [InlineData("sum(rate(x[5m])) without (a,b)", "sum without (a, b) (rate(x[5m]))")]
    [InlineData("x offset -5m", "x offset -5m")]
    [InlineData("x @ 100", "x @ 100.000")]
    [InlineData("x[5m] @ start() offset 1h", "x[5m] @ start() offset 1h")]
    [InlineData("rate(x[5m])[30m:1m]", "rate(x[5m])[30m:1m]")]
    [InlineData("max_over_time(x[1h:])", "max_over_time(x[1h:])")]
    [InlineData("-2 ^ 2", "-2 ^ 2")]
    [InlineData("x[26m+4m]", "x[26m + 4m]")]
    [InlineData("x offset (2 * 2)", "x offset (2 * 2)")]
    [InlineData("{\"foo.bar\"}", "{__name__=\"foo.bar\"}")]
    [InlineData("topk(3, x) by (a)", "topk by (a) (3, x)")]
    [InlineData("0x1f", "31")]
    [InlineData("'a\\'b'", "\"a'b\"")]
    [InlineData("a + fill(0) b", "a + fill (0) b")]
    [InlineData("b ^ -0m", "b ^ -0s")]
    [InlineData("a + on(x) group_left fill_left(-Inf) fill_right(NaN) b", "a + on (x) group_left () fill_left (-Inf) fill_right (NaN) b")]
    [InlineData("fill + fill(1) fill", "fill + fill (1) fill")]
    [InlineData("info(m, {data=~\".*\"})", "info(m, {data=~\".*\"})")]
    [InlineData("rate(x[5m] anchored)", "rate(x[5m] anchored)")]
    [InlineData("increase(x[5m] @ 10 smoothed)", "increase(x[5m] @ 10.000 smoothed)")]
    [InlineData("x offset -1m smoothed + 0", "x offset -1m smoothed + 0")]
    public void ParseExpr_ValidQuery_PrintsCanonicalForm(string query, string expected)
    {
        Assert.Equal(expected, PromQLParser.ParseExpr(query).ToString());
    }

    [Fact]
    public void ParseExpr_Precedence_PowIsRightAssociativeAndUnaryBindsLikeMul()
    {
        var e = Assert.IsType<UnaryExpr>(PromQLParser.ParseExpr("-a ^ b ^ c"));
        var pow = Assert.IsType<BinaryExpr>(e.Operand);
        Assert.Equal(BinaryOp.Pow, pow.Op);
        Assert.IsType<BinaryExpr>(pow.Rhs);

        var mul = Assert.IsType<BinaryExpr>(PromQLParser.ParseExpr("-a * b"));
        Assert.Equal(BinaryOp.Mul, mul.Op);
        Assert.IsType<UnaryExpr>(mul.Lhs);

        var or = Assert.IsType<BinaryExpr>(PromQLParser.ParseExpr("a or b and c unless d"));
        Assert.Equal(BinaryOp.Or, or.Op);
    }

    [Fact]
    public void ParseExpr_OffsetTakesOnlyOneTerm_BinaryOperatorAppliesToVector()
    {
        var e = Assert.IsType<BinaryExpr>(PromQLParser.ParseExpr("metric offset -2 ^ 2"));
        Assert.Equal(BinaryOp.Pow, e.Op);
        var vs = Assert.IsType<VectorSelector>(e.Lhs);
        Assert.Equal(-2000, vs.OriginalOffset);
    }

    [Theory]
    [InlineData("", "unknown position: parse error: no expression found in input")]
    [InlineData("1 +", "1:4: parse error: unexpected end of input")]
    [InlineData("sum(x", "1:6: parse error: unclosed left parenthesis")]
    [InlineData("foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces")]
    [InlineData("rate(foo)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector")]
    [InlineData("nonexistent(foo)", "1:1: parse error: unknown function with name \"nonexistent\"")]
    [InlineData("{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher")]
    [InlineData("1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier")]
    [InlineData("foo offset 1m[5m]", "1:14: parse error: no offset modifiers allowed before range")]
    [InlineData("(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors")]
    [InlineData("foo bar", "1:5: parse error: unexpected identifier \"bar\"")]
    [InlineData("sum by job (x)", "1:8: parse error: unexpected identifier \"job\" in grouping opts, expected \"(\"")]
    [InlineData("foo and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression")]
    [InlineData("foo[0s]", "1:5: parse error: duration must be greater than 0")]
    [InlineData("x{a=~\"(\"}", "1:3: parse error: error parsing regexp")]
    [InlineData("a + fill(0) 1", "1:1: parse error: vector matching only allowed between instant vectors")]
    [InlineData("a and fill(0) b", "1:1: parse error: fill modifiers are not allowed for \"and\" operation")]
    [InlineData("a + fill(x) b", "1:10: parse error: unexpected identifier \"x\" in fill modifier, expected number")]
    [InlineData("a + fill(1) fill_left(2) b", "1:13: parse error: duplicate fill modifier")]
    [InlineData("sum(x) smoothed", "1:8: parse error: smoothed modifier must be preceded by an instant vector selector or range vector selector")]
    [InlineData("x anchored", "1:3: parse error: anchored modifier must be preceded by a range vector selector")]
    [InlineData("x[5m] anchored smoothed", "1:16: parse error: only one of the anchored and smoothed modifiers is allowed")]
    [InlineData("info(m, m + 1)", "1:9: parse error: expected label selectors as the second argument to \"info\" function, got instant vector")]
    [InlineData("info(m, {a=\"b\"} offset 1m)", "1:9: parse error: expected label selectors as the second argument to \"info\" function")]
    public void ParseExpr_InvalidQuery_ThrowsWithPositionAndPrometheusWording(string query, string expected)
    {
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr(query));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExpr_FillModifiersDisabled_NamesTheFeatureFlag()
    {
        var options = ParserOptions.Default with { EnableBinopFillModifiers = false };
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr("a + fill(0) b", options));
        Assert.Contains("promql-binop-fill-modifiers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExpr_ExtendedRangeSelectorsDisabled_NamesTheFeatureFlag()
    {
        var options = ParserOptions.Default with { EnableExtendedRangeSelectors = false };
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr("rate(x[5m] anchored)", options));
        Assert.Contains("promql-extended-range-selectors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExpr_ErrorOnSecondLine_ReportsLineAndColumn()
    {
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr("sum(\n  foo +\n)"));
        Assert.Equal("3:1: parse error: unexpected \")\"", ex.Message);
    }

    [Fact]
    public void ParseMetricSelector_NameAndMatchers_ReturnsAllMatchers()
    {
        var ms = PromQLParser.ParseMetricSelector("up{job=~\"api|web\", \"host.name\"!=\"a\"}");
        Assert.Equal(["job=~\"api|web\"", "\"host.name\"!=\"a\"", "__name__=\"up\""], ms.Select(m => m.ToString()));
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseMetricSelector("rate(x[5m])"));
        Assert.StartsWith("1:5: parse error: unexpected", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{job=\"\"}", 1)]
    [InlineData("up{__name__=\"down\"}", 2)]
    public void ParseMetricSelector_NoExpressionChecks_LikePrometheus(string input, int matchers)
        => Assert.Equal(matchers, PromQLParser.ParseMetricSelector(input).Count);
}
