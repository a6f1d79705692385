using System.Text.RegularExpressions;
using Vigil.Core.Labels;

namespace Vigil.Core.Tests.Labels;

public sealed class LabelMatcherTests
{
    // Patterns covering every fast path (literal, alternation, prefix, .*, .+) and the shapes next to them that must
    // not take one.
    public static readonly string[] Patterns =
    [
        "foo", "foo|bar", "(foo|bar)", "(?:foo|bar|baz)", "api|web|db", "a|", "|a", "", "()", "(?:)",
        "foo.*", "a.*", ".*", ".+", "a\\.b", "a\\.b.*", "foo\\\\.*", "a\\\\|b", "a\\|b", "x\\.*", "\\.*",
        "fo+", "a.b", "ab?c", "a{2}", "[a-c]x", "(?i)foo", "job-[0-9]+", ".*foo", "foo.*bar", "(foo)|(bar)", "(a|b)|c",
        "(.*)", ".*.*", "foo|.*", "ü.*", "ü|ö", "a*", "(foo).*", "\\d+", "foo$", "^foo", "a\\-b", "x|y|z.*",
    ];

    public static readonly string[] Inputs =
    [
        "", "foo", "bar", "baz", "foobar", "afoo", "foo\n", "\nfoo", "foo\nbar", "foo\n\n", "a.b", "axb", "a\nb", "a", "ab",
        "abc", "ac", "aa", "aaa", "fo", "fooo", "FOO", "Foo", "foo|bar", "api", "web", "db", "apiweb", "x", "x\n", "x..", "foo\\",
        "foo\\bar", "a\\", "b", "ü", "üx", "ö", "\n", "..", ".", "a*", "5", "123", "job-12", "job-", "aab", "ax", "bx", "dx",
        "a-b", "zz", "z", "y", "a.bc", "foo bar", "a|b",
    ];

    public static TheoryData<string> PatternData()
    {
        var data = new TheoryData<string>();
        foreach (string p in Patterns)
        {
            data.Add(p);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PatternData))]
    public void Matches_RegexAndNotRegex_AgreeWithFullyAnchoredRegexEngine(string pattern)
    {
        // Reference: .NET's backtracking engine with RE2's anchoring (\z, not $) and (?s).
        var reference = new Regex("^(?:" + pattern + ")\\z", RegexOptions.Singleline | RegexOptions.CultureInvariant);
        var matcher = new LabelMatcher(MatchOp.Regexp, "l", pattern);
        var negated = new LabelMatcher(MatchOp.NotRegexp, "l", pattern);

        foreach (string input in Inputs)
        {
            bool expected = reference.IsMatch(input);
            Assert.True(expected == matcher.Matches(input), $"\"{pattern}\" on {Quote(input)}: expected {expected}");
            Assert.True(!expected == negated.Matches(input), $"!~\"{pattern}\" on {Quote(input)}: expected {!expected}");
        }
    }

    [Theory]
    [InlineData("foo", new[] { "foo" })]
    [InlineData("foo|bar", new[] { "bar", "foo" })]
    [InlineData("(foo|bar)", new[] { "bar", "foo" })]
    [InlineData("(?:a|b|c)", new[] { "a", "b", "c" })]
    [InlineData("a\\.b", new[] { "a.b" })]
    [InlineData("a\\\\|b", new[] { "a\\", "b" })]
    [InlineData("a|", new[] { "", "a" })]
    public void SetMatches_LiteralAlternations_AreRecognised(string pattern, string[] expected)
    {
        var matcher = new LabelMatcher(MatchOp.Regexp, "l", pattern);

        Assert.Equal(expected, matcher.SetMatches!.Order(StringComparer.Ordinal));
        Assert.Null(matcher.Prefix);
    }

    [Theory]
    [InlineData("foo.*", "foo")]
    [InlineData("a\\.b.*", "a.b")]
    [InlineData("foo\\\\.*", "foo\\")]
    public void Prefix_LiteralThenDotStar_IsRecognised(string pattern, string prefix)
    {
        var matcher = new LabelMatcher(MatchOp.Regexp, "l", pattern);

        Assert.Equal(prefix, matcher.Prefix);
        Assert.Null(matcher.SetMatches);
    }

    [Theory]
    [InlineData("fo+")]
    [InlineData("x\\.*")]
    [InlineData("a\\|b")]
    [InlineData("foo|.*")]
    [InlineData("(foo).*")]
    public void SetMatchesAndPrefix_NonLiteralShapes_AreNull(string pattern)
    {
        var matcher = new LabelMatcher(MatchOp.Regexp, "l", pattern);

        Assert.Null(matcher.SetMatches);
        Assert.Null(matcher.Prefix);
    }

    [Theory]
    [InlineData("fo+", "foo\n")]
    [InlineData("a.b", "a.b\n")]
    [InlineData("(?i)foo", "FOO\n")]
    [InlineData("foo$", "foo\n")]
    [InlineData("[a-c]x", "ax\n")]
    public void Matches_TrailingNewline_IsNotIgnoredByTheAnchor(string pattern, string input)
    {
        // Prometheus anchors with RE2's $ (end of text); a value with a trailing line break must not match.
        Assert.False(new LabelMatcher(MatchOp.Regexp, "l", pattern).Matches(input));
        Assert.True(new LabelMatcher(MatchOp.NotRegexp, "l", pattern).Matches(input));
    }

    [Theory]
    [InlineData("foo", "foobar", false)]
    [InlineData("foo", "afoo", false)]
    [InlineData("a|b", "ab", false)]
    [InlineData("fo+", "xfoo", false)]
    [InlineData("fo+", "fooo", true)]
    [InlineData("b.*", "abc", false)]
    public void Matches_IsFullyAnchored(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, new LabelMatcher(MatchOp.Regexp, "l", pattern).Matches(input));
    }

    [Theory]
    [InlineData("a.b", "a\nb")]
    [InlineData(".*", "x\ny")]
    [InlineData(".+", "\n")]
    [InlineData("foo.*", "foo\nbar")]
    [InlineData("f.o|bar", "f\no")]
    public void Matches_DotMatchesNewline(string pattern, string input)
    {
        Assert.True(new LabelMatcher(MatchOp.Regexp, "l", pattern).Matches(input));
    }

    [Fact]
    public void Matches_EqualityOperators_CompareOrdinally()
    {
        var equal = LabelMatcher.Equal("job", "api");
        var notEqual = new LabelMatcher(MatchOp.NotEqual, "job", "api");

        Assert.True(equal.Matches("api"));
        Assert.False(equal.Matches("API"));
        Assert.False(equal.Matches(""));
        Assert.False(notEqual.Matches("api"));
        Assert.True(notEqual.Matches("web"));
    }

    [Theory]
    [InlineData(MatchOp.Equal, "", true)]
    [InlineData(MatchOp.Equal, "x", false)]
    [InlineData(MatchOp.NotEqual, "", false)]
    [InlineData(MatchOp.Regexp, ".*", true)]
    [InlineData(MatchOp.Regexp, ".+", false)]
    [InlineData(MatchOp.Regexp, "a|", true)]
    [InlineData(MatchOp.Regexp, "a", false)]
    [InlineData(MatchOp.NotRegexp, ".+", true)]
    [InlineData(MatchOp.NotRegexp, "", false)]
    public void MatchesEmpty_TellsWhetherSeriesWithoutTheLabelMatch(MatchOp type, string value, bool expected)
    {
        Assert.Equal(expected, new LabelMatcher(type, "l", value).MatchesEmpty);
    }

    [Theory]
    [InlineData("(a")]
    [InlineData("a)")]
    [InlineData("*")]
    [InlineData("[z-a]")]
    public void Constructor_InvalidRegex_ThrowsNamingThePattern(string pattern)
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelMatcher(MatchOp.Regexp, "l", pattern));

        Assert.Contains($"invalid regular expression \"{pattern}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_Backreference_IsRejectedAsInRe2()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelMatcher(MatchOp.Regexp, "l", "(a)\\1"));

        Assert.Contains("RE2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MatchOp.Equal, "job", "a\"b", "job=\"a\\\"b\"")]
    [InlineData(MatchOp.NotEqual, "job", "x", "job!=\"x\"")]
    [InlineData(MatchOp.Regexp, "job", "a|b", "job=~\"a|b\"")]
    [InlineData(MatchOp.NotRegexp, "label.x", "a\\.b", "\"label.x\"!~\"a\\\\.b\"")]
    public void ToString_PromQLForm(MatchOp type, string name, string value, string expected)
    {
        Assert.Equal(expected, new LabelMatcher(type, name, value).ToString());
    }

    [Fact]
    public void MetricName_IsEqualityOnName()
    {
        var matcher = LabelMatcher.MetricName("up");

        Assert.Equal((MatchOp.Equal, "__name__", "up"), (matcher.Type, matcher.Name, matcher.Value));
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
