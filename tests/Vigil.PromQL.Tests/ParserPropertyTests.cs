using System.Globalization;
using System.Text;
using CsCheck;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

/// <summary>
/// Properties of the parser over generated input (CsCheck shrinks a failure to a small example): generated queries
/// round-trip through the printer to the same tree, and no input at all makes the parser throw anything but its
/// parse error. Each property runs for a fixed number of cases so the suite stays fast.
/// </summary>
public sealed class ParserPropertyTests
{
    /// <summary>Generated text and whether it can take a postfix or operator without parentheses.</summary>
    private readonly record struct Q(string Text, bool Atomic)
    {
        public string Wrapped => Atomic ? Text : "(" + Text + ")";

        public override string ToString() => Text;
    }

    /// <summary>Cases per property; <c>VIGIL_PROPERTY_SCALE=N</c> runs N times as many (for a longer search).</summary>
    private static int Iter(int n)
        => int.TryParse(Environment.GetEnvironmentVariable("VIGIL_PROPERTY_SCALE"), CultureInfo.InvariantCulture, out int k) && k > 1 ? n * k : n;

    private static Gen<Q> Atom(Gen<string> text) => text.Select(t => new Q(t, true));

    private static Gen<Q> Compound(Gen<string> text) => text.Select(t => new Q(t, false));

    private static readonly Gen<string> MetricName = Gen.OneOf(
        Gen.Const("up"), Gen.Const("http_requests_total"), Gen.Const("x"), Gen.Const("node:cpu:rate5m"), Gen.Const("_y"),
        Gen.Const("sum"), Gen.Const("offset"), Gen.Const("by"), Gen.Const("start"), Gen.Const("step"), Gen.Const("inf_x"), Gen.Const("nan_y"));

    private static readonly Gen<string> LabelName = Gen.OneOf(
        Gen.Const("job"), Gen.Const("instance"), Gen.Const("le"), Gen.Const("a_b"), Gen.Const("on"), Gen.Const("bool"), Gen.Const("group_left"));

    /// <summary>Any Unicode text, quoted in one of PromQL's three ways.</summary>
    private static readonly Gen<string> QuotedString = Gen.Frequency(
        (4, Gen.Char["abc xyz.-_\"'\\\n\t\u00e9\u4e2d\U0001F600"].Array[0, 8].Select(cs => GoText.Quote(new string(cs)))),
        (1, Gen.Char["abc '\"\\\u00e9"].Array[0, 8].Select(cs => "'" + new string(cs).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'")),
        (1, Gen.Char["abc '\"\\\n"].Array[0, 8].Select(cs => "`" + new string(cs) + "`")));

    private static readonly Gen<string> Regex = Gen.OneOf(Gen.Const("a.*"), Gen.Const(".+"), Gen.Const("x|y"), Gen.Const(""), Gen.Const("[0-9]+"), Gen.Const("(?i)Ab"))
        .Select(GoText.Quote);

    private static readonly Gen<string> Matcher = Gen.OneOf(
        Gen.Select(LabelName, Gen.OneOf(Gen.Const("="), Gen.Const("!=")), QuotedString, (n, op, v) => n + op + v),
        Gen.Select(LabelName, Gen.OneOf(Gen.Const("=~"), Gen.Const("!~")), Regex, (n, op, v) => n + op + v),
        Gen.Select(QuotedString.Where(s => s.Length > 2 && s[0] == '"'), QuotedString, (n, v) => n + "=" + v));

    private static readonly Gen<string> Duration = Gen.OneOf(
        Gen.Const("5m"), Gen.Const("1h30m"), Gen.Const("30s"), Gen.Const("1d"), Gen.Const("250ms"), Gen.Const("2w"), Gen.Const("1y"), Gen.Const("90"),
        Gen.Const("5m + 30s"), Gen.Const("step() * 2"), Gen.Const("(1h - 5m)"), Gen.Const("max_of(1m, range())"), Gen.Const("2^3"));

    private static readonly Gen<string> Modifiers = Gen.Select(
        Gen.OneOf(Gen.Const(""), Gen.Const(" offset 5m"), Gen.Const(" offset -1h"), Gen.Const(" offset (2m * 2)"), Gen.Const(" offset 1.5")),
        Gen.OneOf(Gen.Const(""), Gen.Const(" @ 1700000000"), Gen.Const(" @ 12.345"), Gen.Const(" @ start()"), Gen.Const(" @ end()"), Gen.Const(" @ -5")),
        Gen.Bool,
        (offset, at, atFirst) => atFirst ? at + offset : offset + at);

    private static readonly Gen<string> SelectorBody = Gen.OneOf(
        MetricName,
        Gen.Select(MetricName, Matcher.Array[0, 3], (n, ms) => n + "{" + string.Join(", ", ms) + "}"),
        Gen.Select(QuotedString.Where(s => s.Length > 2 && s[0] == '"'), Matcher.Array[0, 2], (n, ms) => "{" + string.Join(",", [n, .. ms]) + "}"),
        Gen.Select(Gen.Const("job=\"a\""), Matcher.Array[0, 2], (first, ms) => "{" + string.Join(",", [first, .. ms]) + ",}"));

    private static readonly Gen<Q> Selector = Atom(Gen.Select(SelectorBody, Modifiers, (s, m) => s + m));

    private static readonly Gen<Q> Number = Atom(Gen.OneOf(
        Gen.Double.Select(d => double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Inf" : double.IsNegativeInfinity(d) ? "-Inf" : d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.Int[0, 1000].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Const("0x1F"), Gen.Const("1e-3"), Gen.Const(".5"), Gen.Const("5m"), Gen.Const("inf"), Gen.Const("-nan")));

    private static readonly string[] VectorFunctions = ["abs", "ceil", "floor", "exp", "ln", "sqrt", "sgn", "timestamp", "sort_desc", "-"];

    private static readonly string[] RangeFunctions = ["rate", "increase", "delta", "avg_over_time", "max_over_time", "count_over_time", "last_over_time", "absent_over_time", "deriv", "resets"];

    private static readonly string[] Aggregations = ["sum", "avg", "min", "max", "count", "group", "stddev"];

    private static readonly string[] ArithmeticOps = ["+", "-", "*", "/", "%", "^", "atan2"];

    private static readonly string[] ComparisonOps = ["==", "!=", ">", "<", ">=", "<="];

    private static readonly string[] SetOps = ["and", "or", "unless"];

    private static readonly Gen<string> Grouping = Gen.Select(LabelName.Array[0, 3], Gen.Bool, (ls, trailing) => "(" + string.Join(", ", ls) + (trailing && ls.Length > 0 ? "," : string.Empty) + ")");

    /// <summary>group_left/group_right labels, never among <see cref="LabelName"/> (a label may not be in both lists).</summary>
    private static readonly Gen<string> IncludeLabels = Gen.OneOf(Gen.Const("zone"), Gen.Const("extra_info")).Array[0, 2].Select(ls => "(" + string.Join(", ", ls) + ")");

    private static readonly Gen<string> VectorMatching = Gen.OneOf(
        Gen.Const(string.Empty),
        Gen.Select(Gen.OneOf(Gen.Const(" on"), Gen.Const(" ignoring")), Grouping, (k, g) => k + g),
        // Note: the include list is always written; "group_left (x)" would read the operand (x) as the list.
        Gen.Select(Gen.OneOf(Gen.Const(" on"), Gen.Const(" ignoring")), Grouping, Gen.OneOf(Gen.Const(" group_left"), Gen.Const(" group_right")), IncludeLabels,
            (k, g, side, inc) => k + g + side + inc));

    private static readonly Gen<string> SetMatching = Gen.OneOf(
        Gen.Const(string.Empty),
        Gen.Select(Gen.OneOf(Gen.Const(" on"), Gen.Const(" ignoring")), Grouping, (k, g) => k + g));

    private static Gen<string> Pick(string[] names) => Gen.OneOf(names.Select(Gen.Const).ToArray());

    /// <summary>Instant-vector and scalar generators up to <paramref name="depth"/> levels of composition.</summary>
    private static (Gen<Q> Vector, Gen<Q> Scalar) Typed(int depth)
    {
        Gen<Q> vector = Selector;
        Gen<Q> scalar = Gen.OneOf(Number, Atom(Gen.Const("time()")), Atom(Gen.Const("pi()")));
        for (int level = 0; level < depth; level++)
        {
            var v = vector;
            var s = scalar;
            var range = Gen.OneOf(
                Atom(Gen.Select(SelectorBody, Duration, Modifiers, (sel, d, m) => sel + "[" + d + "]" + m)),
                Atom(Gen.Select(v, Duration, Gen.OneOf(Gen.Const(string.Empty), Duration), Modifiers, (inner, r, step, m) => inner.Wrapped + "[" + r + ":" + step + "]" + m)));
            vector = Gen.Frequency(
                (3, v),
                (2, Gen.Select(Pick(VectorFunctions), v, (f, a) => f == "-" ? new Q("-" + a.Wrapped, false) : new Q(f + "(" + a.Text + ")", true))),
                (2, Gen.Select(Pick(RangeFunctions), range, (f, r) => new Q(f + "(" + r.Text + ")", true))),
                (1, Gen.Select(s, range, (q, r) => new Q("quantile_over_time(" + q.Text + ", " + r.Text + ")", true))),
                (2, Gen.Select(Pick(Aggregations), Gen.OneOf(Gen.Const(string.Empty), Gen.Const(" by "), Gen.Const(" without ")), Grouping, Gen.Bool, v,
                    (op, kind, g, after, a) => new Q(kind.Length == 0 ? op + "(" + a.Text + ")" : after ? op + "(" + a.Text + ")" + kind + g : op + kind + g + "(" + a.Text + ")", true))),
                (1, Gen.Select(Gen.OneOf(Gen.Const("topk"), Gen.Const("bottomk"), Gen.Const("quantile"), Gen.Const("limitk")), s, v, (op, p, a) => new Q(op + "(" + p.Text + ", " + a.Text + ")", true))),
                (1, Gen.Select(QuotedString.Where(q => q[0] != '`'), v, (label, a) => new Q("count_values(" + label + ", " + a.Text + ")", true))),
                (1, Gen.Select(v, (a) => new Q("label_replace(" + a.Text + ", \"dst\", \"$1\", \"src\", \"(.*)\")", true))),
                (3, Gen.Select(v, Pick(ArithmeticOps), VectorMatching, v, (l, op, m, r) => new Q(l.Wrapped + " " + op + m + " " + r.Wrapped, false))),
                (2, Gen.Select(v, Pick(ComparisonOps), Gen.Bool, VectorMatching, v, (l, op, b, m, r) => new Q(l.Wrapped + " " + op + (b ? " bool" : string.Empty) + m + " " + r.Wrapped, false))),
                (2, Gen.Select(v, Pick(SetOps), SetMatching, v, (l, op, m, r) => new Q(l.Wrapped + " " + op + m + " " + r.Wrapped, false))),
                (2, Gen.Select(v, Pick([.. ArithmeticOps, .. ComparisonOps]), s, Gen.Bool, (a, op, b, flip) => new Q(flip ? b.Wrapped + " " + op + " " + a.Wrapped : a.Wrapped + " " + op + " " + b.Wrapped, false))),
                (1, v.Select(a => new Q("(" + a.Text + ")", true))));
            scalar = Gen.Frequency(
                (3, s),
                (1, v.Select(a => new Q("scalar(" + a.Text + ")", true))),
                (2, Gen.Select(s, Pick(ArithmeticOps), s, (l, op, r) => new Q(l.Wrapped + " " + op + " " + r.Wrapped, false))),
                (1, Gen.Select(s, Pick(ComparisonOps), s, (l, op, r) => new Q(l.Wrapped + " " + op + " bool " + r.Wrapped, false))),
                (1, s.Select(a => new Q("-" + a.Wrapped, false))),
                (1, s.Select(a => new Q("(" + a.Text + ")", true))));
        }
        return (vector, scalar);
    }

    private static readonly Gen<string> Query = Gen.Int[0, 4].SelectMany(depth =>
    {
        var (vector, scalar) = Typed(depth);
        return Gen.Frequency((6, vector), (2, scalar), (1, Atom(QuotedString))).Select(q => q.Text);
    });

    /// <summary>Parses, prints and parses again; the trees must be equal and the printed form a fixed point.</summary>
    private static void AssertRoundTrips(string query, Expr first)
    {
        string printed = first.ToString();
        Expr second;
        try
        {
            second = PromQLParser.ParseExpr(printed);
        }
        catch (PromQLParseException e)
        {
            throw new InvalidOperationException($"printed form of {query} does not parse: {printed}\n{e.Message}");
        }
        string a = PrinterRoundTripTests.Dump(first), b = PrinterRoundTripTests.Dump(second);
        if (a != b)
        {
            throw new InvalidOperationException($"{query}\nprinted as {printed}\nparses to a different tree:\n{a}\n{b}");
        }
        if (second.ToString() != printed)
        {
            throw new InvalidOperationException($"{query}\nprinted as {printed}\nthen as {second}");
        }
    }

    [Fact]
    public void ParseExpr_GeneratedQueries_RoundTripThroughPrinterAndPrettifierToSameTree()
    {
        Query.Sample(query =>
        {
            Expr first;
            try
            {
                first = PromQLParser.ParseExpr(query);
            }
            catch (PromQLParseException e)
            {
                throw new InvalidOperationException($"generated query does not parse: {query}\n{e.Message}");
            }
            AssertRoundTrips(query, first);
            string pretty = PromQLParser.Prettify(first);
            if (PrinterRoundTripTests.Dump(PromQLParser.ParseExpr(pretty)) != PrinterRoundTripTests.Dump(first))
            {
                throw new InvalidOperationException($"{query}\nprettified as\n{pretty}\nparses to a different tree");
            }
        }, iter: Iter(3000), threads: 1);
    }

    /// <summary>Text and fragments that exercise the lexer's and parser's corners.</summary>
    private static readonly string[] Fragments =
    [
        "(", ")", "[", "]", "{", "}", ",", ":", "\"", "'", "`", "\\", "=~", "!~", "!=", "==", "=", "@", "-", "+", "^", "#", "\n",
        " offset ", " by ", " without ", " on", " ignoring", " group_left", " bool ", " and ", " or ", " unless ", "sum", "rate",
        "topk", "count_values", "5m", "1e", "0x", "1.5", "Inf", "NaN", "start()", "end()", "step()", "range()", "min_of(",
        "\u00e9", "\U0001F600", "\0", "9999999999999999999999999", "1y1y", "x[5m:]", "\"\\u12\"", "\"\\xZZ\"",
    ];

    private static readonly Gen<string> Mutated = Gen.Select(Query, Gen.Int[1, 4].SelectMany(n => Gen.Select(Gen.Int[0, 2], Gen.Double.Unit, Gen.Double.Unit, Gen.OneOf(Fragments.Select(Gen.Const).ToArray())).Array[n]),
        (query, edits) =>
        {
            var sb = new StringBuilder(query);
            foreach (var (kind, at, len, fragment) in edits)
            {
                int pos = (int)(at * sb.Length);
                switch (kind)
                {
                    case 0:
                        sb.Insert(pos, fragment);
                        break;
                    case 1:
                        sb.Remove(pos, Math.Min(sb.Length - pos, 1 + (int)(len * 8)));
                        break;
                    default:
                        string copy = sb.ToString(pos, Math.Min(sb.Length - pos, 1 + (int)(len * 16)));
                        sb.Insert(pos, copy);
                        break;
                }
            }
            return sb.ToString();
        });

    private static readonly Gen<string> Noise = Gen.OneOf(Fragments.Select(Gen.Const).ToArray()).Array[0, 30].Select(string.Concat);

    /// <summary>Any input either parses (and then round-trips) or is refused with a parse error, nothing else.</summary>
    private static void AssertParsesOrRefuses(string input)
    {
        Expr expr;
        try
        {
            expr = PromQLParser.ParseExpr(input);
        }
        catch (PromQLParseException e)
        {
            Assert.Contains("parse error", e.Message, StringComparison.Ordinal);
            return;
        }
        AssertRoundTrips(input, expr);
    }

    [Fact]
    public void ParseExpr_MutatedQueries_ThrowOnlyParseErrors()
    {
        Mutated.Sample(AssertParsesOrRefuses, iter: Iter(4000), threads: 1);
    }

    [Fact]
    public void ParseExpr_RandomFragments_ThrowOnlyParseErrors()
    {
        Noise.Sample(AssertParsesOrRefuses, iter: Iter(4000), threads: 1);
        Gen.Char.Array[0, 40].Select(cs => new string(cs)).Sample(AssertParsesOrRefuses, iter: Iter(2000), threads: 1);
    }

    [Fact]
    public void ParseMetricSelector_RandomInput_ThrowsOnlyParseErrors()
    {
        Gen.OneOf(SelectorBody, Mutated, Noise).Sample(input =>
        {
            try
            {
                Assert.NotNull(PromQLParser.ParseMetricSelector(input));
            }
            catch (PromQLParseException)
            {
            }
        }, iter: Iter(3000), threads: 1);
    }
}
