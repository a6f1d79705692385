using System.Text;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

/// <summary>
/// Deeply nested input is a parse error naming the limit, never a stack overflow; input at the limit parses, prints,
/// prettifies and evaluates. Everything runs on thread-pool threads, whose stacks are what a server request has.
/// </summary>
public sealed class NestingDepthTests
{
    private const int Max = ParserOptions.DefaultMaxDepth;

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private static string Chain(string term, string op, int terms) => term + Repeat(" " + op + " " + term, terms - 1);

    /// <summary>The shapes of the query of death, at the sizes that crashed the server.</summary>
    public static TheoryData<string, string> TooDeep => new()
    {
        { "10,000 parentheses", Repeat("(", 10_000) + "1" + Repeat(")", 10_000) },
        { "30,000 parentheses", Repeat("(", 30_000) + "1" + Repeat(")", 30_000) },
        { "100,000 unary minuses", Repeat("-", 100_000) + "1" },
        { "100,000 unary minuses on a vector", Repeat("-", 100_000) + "x" },
        { "20,000 nested abs(", Repeat("abs(", 20_000) + "x" + Repeat(")", 20_000) },
        { "20,000-term or chain", Chain("x", "or", 20_000) },
        { "20,000-term ^ chain", Chain("2", "^", 20_000) },
        { "50,000-term 1+1 chain", Chain("1", "+", 50_000) },
        { "5,000 chained subqueries", Repeat("last_over_time(", 5_000) + "x" + Repeat("[1m:1m])", 5_000) },
        { "10,000 parentheses in a range", "x[" + Repeat("(", 10_000) + "1m" + Repeat(")", 10_000) + "]" },
        { "50,000-term duration chain", "x[" + Chain("1s", "+", 50_000) + "]" },
        { "10,000 parentheses in an offset", "x offset " + Repeat("(", 10_000) + "1m" + Repeat(")", 10_000) },
        { "unclosed 100,000 parentheses", Repeat("(", 100_000) },
        { "20,000-term fill chain", Chain("x", "+ fill(0)", 20_000) },
        { "20,000 nested info(", Repeat("info(", 20_000) + "x" + Repeat(", {a=~\".*\"})", 20_000) },
        { "5,000 subqueries over a smoothed rate", Repeat("max_over_time(", 5_000) + "rate(x[1m] smoothed)" + Repeat("[5m:1m])", 5_000) },
    };

    [Theory]
    [MemberData(nameof(TooDeep))]
    public async Task ParseExpr_DeeperThanLimit_ThrowsParseErrorNamingTheLimit(string shape, string query)
    {
        var ex = await Task.Run(() => Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr(query)));
        Assert.True(ex.Message.EndsWith($": parse error: expression exceeds the maximum nesting depth of {Max}", StringComparison.Ordinal), shape + ": " + ex.Message);
        Assert.StartsWith("1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExpr_ChainDeeperThanLimit_PointsAtTheOperatorPastTheLimit()
    {
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr(Chain("1", "+", Max + 1)));
        // Note: "1 + 1 + ..." puts operator k at offset 4k - 2 (0-based); the 1,000th operator makes the tree 1,001 deep.
        Assert.Equal($"1:{(4 * Max) - 1}: parse error: expression exceeds the maximum nesting depth of {Max}", ex.Message);
    }

    /// <summary>Queries exactly <see cref="Max"/> levels deep (and the same shape one level deeper).</summary>
    public static TheoryData<string, string, string> AtLimit => new()
    {
        { "parentheses", Repeat("(", Max - 1) + "x" + Repeat(")", Max - 1), Repeat("(", Max) + "x" + Repeat(")", Max) },
        { "unary minuses", Repeat("-", Max - 1) + "x", Repeat("-", Max) + "x" },
        { "nested abs(", Repeat("abs(", Max - 1) + "x" + Repeat(")", Max - 1), Repeat("abs(", Max) + "x" + Repeat(")", Max) },
        { "nested sum(", Repeat("sum(", Max - 1) + "x" + Repeat(")", Max - 1), Repeat("sum(", Max) + "x" + Repeat(")", Max) },
        { "or chain", Chain("x", "or", Max), Chain("x", "or", Max + 1) },
        { "+ chain", Chain("x", "+", Max), Chain("x", "+", Max + 1) },
        { "^ chain", Chain("x", "^", Max), Chain("x", "^", Max + 1) },
        { "and-on chain", Chain("x", "and on (a)", Max), Chain("x", "and on (a)", Max + 1) },
        { "nested subqueries", Repeat("last_over_time(", (Max - 1) / 2) + "x" + Repeat("[1m:1m])", (Max - 1) / 2), Repeat("last_over_time(", (Max + 1) / 2) + "x" + Repeat("[1m:1m])", (Max + 1) / 2) },
    };

    [Theory]
    [MemberData(nameof(AtLimit))]
    public async Task ParseExpr_AtLimit_ParsesPrintsAndEvaluatesButOneMoreLevelFails(string shape, string atLimit, string tooDeep)
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        app.Append(LabelSet.Of("__name__", "x", "a", "1"), 0, 2);
        app.Append(LabelSet.Of("__name__", "x", "a", "1"), 60_000, 2);
        app.Commit();
        var engine = new PromQLEngine();

        await Task.Run(() =>
        {
            var expr = PromQLParser.ParseExpr(atLimit);
            string printed = expr.ToString();
            Assert.Equal(printed, PromQLParser.ParseExpr(printed).ToString());
            Assert.NotEmpty(PromQLParser.Prettify(expr));
            using var instant = engine.InstantQuery(storage, atLimit, 60_000);
            Assert.NotNull(instant.Value);
            using var range = engine.RangeQuery(storage, atLimit, 0, 60_000, 30_000);
            Assert.NotNull(range.Value);
        });

        var ex = await Task.Run(() => Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr(tooDeep)));
        Assert.True(ex.Message.EndsWith($"expression exceeds the maximum nesting depth of {Max}", StringComparison.Ordinal), shape + ": " + ex.Message);
    }

    [Fact]
    public void ParseExpr_LowerLimitOption_RefusesAtThatDepth()
    {
        var options = new ParserOptions { MaxDepth = 3 };
        Assert.Equal("((x))", PromQLParser.ParseExpr("((x))", options).ToString());
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.ParseExpr("(((x)))", options));
        // Note: the fourth level starts at the x, offset 3.
        Assert.Equal("1:4: parse error: expression exceeds the maximum nesting depth of 3", ex.Message);
    }

    [Fact]
    public void InstantQuery_TooDeep_IsBadDataWithTheParseError()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().InstantQuery(new MemoryStorage(), Repeat("(", 10_000) + "1" + Repeat(")", 10_000), 0));
        Assert.Equal(QueryErrorType.BadData, ex.ErrorType);
        // Note: the 1,001st level starts at the 1,001st parenthesis.
        Assert.Equal($"1:{Max + 1}: parse error: expression exceeds the maximum nesting depth of {Max}", ex.Message);
    }
}
