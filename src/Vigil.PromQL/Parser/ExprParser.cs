using System.Globalization;
using System.Runtime.CompilerServices;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

/// <summary>
/// Recursive-descent (precedence-climbing) parser for PromQL expressions, following Prometheus's grammar
/// (generated_parser.y): operator precedence <c>or &lt; and/unless &lt; comparisons &lt; +- &lt; */%/atan2 &lt; ^</c>,
/// <c>^</c> right-associative, unary +/- binding like <c>*</c>, and the postfix modifiers <c>[..]</c>, <c>offset</c>
/// and <c>@</c> binding tightest.
/// </summary>
internal sealed partial class ExprParser
{
    private const int PrecOr = 1;
    private const int PrecAnd = 2;
    private const int PrecCmp = 3;
    private const int PrecAdd = 4;
    private const int PrecMul = 5;
    private const int PrecPow = 6;

    private readonly string _input;
    private readonly ParserOptions _options;
    private readonly List<Token> _tokens;
    private int _index;
    private int _lastClosing;

    /// <summary>How many expression or duration parses are active (the recursion depth of this parser).</summary>
    private int _nesting;

    private ExprParser(string input, ParserOptions options)
    {
        _input = input;
        _options = options;
        _tokens = Lexer.Tokenize(input);
    }

    /// <summary>Parses and type-checks an expression; throws <see cref="PromQLParseException"/>.</summary>
    public static Expr Parse(string input, ParserOptions? options = null)
    {
        var p = new ExprParser(input, options ?? ParserOptions.Default);
        if (p.Peek.Kind == TokenKind.Eof)
        {
            throw new PromQLParseException(input, new PositionRange(0, 0), "no expression found in input");
        }
        var expr = p.ParseBinary(0);
        if (p.Peek.Kind != TokenKind.Eof)
        {
            p.Unexpected(null, null);
        }
        try
        {
            new TypeChecker(p).Check(expr);
        }
        catch (InsufficientExecutionStackException)
        {
            // Note: the depth limit keeps this from happening on an ordinary thread; a caller on a tiny stack still gets an error, not a crash.
            throw new PromQLParseException(input, new PositionRange(0, input.Length), "expression is nested too deeply to check on this thread");
        }
        return expr;
    }

    /// <summary>Parses a selector such as <c>up{job="x"}</c> or <c>{__name__=~"a.*"}</c> (for the HTTP API's match[]).</summary>
    public static List<LabelMatcher> ParseMetricSelector(string input)
    {
        var p = new ExprParser(input, ParserOptions.Default);
        var t = p.Peek;
        if (t.Kind is not (TokenKind.LeftBrace or TokenKind.Identifier or TokenKind.MetricIdentifier or TokenKind.String)
            && !IsMetricIdentifierToken(t.Kind))
        {
            p.Unexpected(null, null);
        }
        Expr e = t.Kind == TokenKind.String ? p.Fail(t.Range, "unexpected " + t.Describe()) : p.ParseVectorSelector();
        if (p.Peek.Kind != TokenKind.Eof)
        {
            p.Unexpected(null, null);
        }
        // Note: like Prometheus's ParseMetricSelector, no type check: the HTTP API applies its own rule (at least one
        // matcher that does not match the empty string), and a name given twice is just two matchers.
        return ((VectorSelector)e).Matchers;
    }

    private Token Peek => _tokens[_index];

    private Token PeekAt(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Next()
    {
        var t = _tokens[_index];
        if (t.Kind == TokenKind.Error)
        {
            throw new PromQLParseException(_input, new PositionRange(t.Pos, _input.Length), t.Text);
        }
        if (t.Kind is TokenKind.RightBrace or TokenKind.RightParen or TokenKind.RightBracket or TokenKind.Duration or TokenKind.Number)
        {
            _lastClosing = t.End;
        }
        if (t.Kind != TokenKind.Eof)
        {
            _index++;
        }
        return t;
    }

    private Token Expect(TokenKind kind, string context, string expected)
    {
        if (Peek.Kind != kind)
        {
            Unexpected(context, expected);
        }
        return Next();
    }

    internal Expr Fail(PositionRange range, string message) => throw new PromQLParseException(_input, range, message);

    /// <summary>Throws Prometheus's "unexpected X [in context][, expected Y]" error for the next token.</summary>
    private void Unexpected(string? context, string? expected)
    {
        var t = Peek;
        if (t.Kind == TokenKind.Error)
        {
            throw new PromQLParseException(_input, new PositionRange(t.Pos, _input.Length), t.Text);
        }
        string msg = "unexpected " + t.Describe();
        if (!string.IsNullOrEmpty(context))
        {
            msg += " in " + context;
        }
        if (!string.IsNullOrEmpty(expected))
        {
            msg += ", expected " + expected;
        }
        throw new PromQLParseException(_input, t.Range, msg);
    }

    internal string Input => _input;

    private static int BinaryPrecedence(TokenKind k) => k switch
    {
        TokenKind.Or => PrecOr,
        TokenKind.And or TokenKind.Unless => PrecAnd,
        TokenKind.Eqlc or TokenKind.Neq or TokenKind.Lss or TokenKind.Lte or TokenKind.Gtr or TokenKind.Gte => PrecCmp,
        TokenKind.Add or TokenKind.Sub => PrecAdd,
        TokenKind.Mul or TokenKind.Div or TokenKind.Mod or TokenKind.Atan2 => PrecMul,
        TokenKind.Pow => PrecPow,
        _ => -1,
    };

    private static BinaryOp ToBinaryOp(TokenKind k) => k switch
    {
        TokenKind.Add => BinaryOp.Add,
        TokenKind.Sub => BinaryOp.Sub,
        TokenKind.Mul => BinaryOp.Mul,
        TokenKind.Div => BinaryOp.Div,
        TokenKind.Mod => BinaryOp.Mod,
        TokenKind.Pow => BinaryOp.Pow,
        TokenKind.Atan2 => BinaryOp.Atan2,
        TokenKind.Eqlc => BinaryOp.Eql,
        TokenKind.Neq => BinaryOp.Neq,
        TokenKind.Gtr => BinaryOp.Gtr,
        TokenKind.Lss => BinaryOp.Lss,
        TokenKind.Gte => BinaryOp.Gte,
        TokenKind.Lte => BinaryOp.Lte,
        TokenKind.And => BinaryOp.And,
        TokenKind.Or => BinaryOp.Or,
        _ => BinaryOp.Unless,
    };

    /// <summary>Counts one more active parse; past the depth limit the input is refused before the stack can run out.</summary>
    private void Enter()
    {
        if (++_nesting > _options.MaxDepth)
        {
            FailTooDeep(Peek.Range);
        }
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Fail(Peek.Range, "expression is nested too deeply to parse on this thread");
        }
    }

    private void FailTooDeep(PositionRange range)
        => Fail(range, string.Create(CultureInfo.InvariantCulture, $"expression exceeds the maximum nesting depth of {_options.MaxDepth}"));

    /// <summary>
    /// Refuses a node deeper than the limit. Chains such as <c>a + b + c</c> and <c>x[1m:][1m:]</c> are built in loops,
    /// not by recursion, so the parser measures the tree it builds as well as its own recursion.
    /// </summary>
    private void CheckDepth(Expr e, PositionRange? where = null)
    {
        if (DepthOf(e) > _options.MaxDepth)
        {
            FailTooDeep(where ?? e.Position);
        }
    }

    /// <summary>1 + the depth of the deepest child (duration expressions included), remembered on the node.</summary>
    /// <remarks>Every subtree returned by <see cref="ParseBinary"/> and <see cref="ParseDuration"/> is measured already, so this recursion stays shallow.</remarks>
    private static int DepthOf(Expr? e)
    {
        if (e is null)
        {
            return 0;
        }
        if (e.ParseDepth != 0)
        {
            return e.ParseDepth;
        }
        int deepest = 0;
        switch (e)
        {
            case ParenExpr p:
                deepest = DepthOf(p.Inner);
                break;
            case UnaryExpr u:
                deepest = DepthOf(u.Operand);
                break;
            case BinaryExpr b:
                deepest = Math.Max(DepthOf(b.Lhs), DepthOf(b.Rhs));
                break;
            case AggregateExpr a:
                deepest = Math.Max(DepthOf(a.Param), DepthOf(a.Inner));
                break;
            case Call c:
                foreach (var arg in c.Args)
                {
                    deepest = Math.Max(deepest, DepthOf(arg));
                }
                break;
            case VectorSelector vs:
                deepest = DepthOf(vs.OriginalOffsetExpr);
                break;
            case MatrixSelector m:
                deepest = Math.Max(DepthOf(m.Selector), DepthOf(m.RangeExpr));
                break;
            case SubqueryExpr sq:
                deepest = Math.Max(Math.Max(DepthOf(sq.Inner), DepthOf(sq.RangeExpr)), Math.Max(DepthOf(sq.StepExpr), DepthOf(sq.OriginalOffsetExpr)));
                break;
            case DurationExpr d:
                deepest = Math.Max(DepthOf(d.Lhs), DepthOf(d.Rhs));
                break;
        }
        return e.ParseDepth = deepest + 1;
    }

    private Expr ParseBinary(int minPrec)
    {
        Enter();
        var left = ParseUnary();
        CheckDepth(left);
        while (true)
        {
            var opTok = Peek;
            int prec = BinaryPrecedence(opTok.Kind);
            if (prec < 0 || prec < minPrec)
            {
                _nesting--;
                return left;
            }
            Next();
            bool returnBool = false;
            var matching = new VectorMatching { Card = VectorMatchCardinality.OneToOne };
            if (Peek.Kind == TokenKind.Bool)
            {
                Next();
                returnBool = true;
            }
            if (Peek.Kind is TokenKind.On or TokenKind.Ignoring)
            {
                matching.On = Next().Kind == TokenKind.On;
                matching.MatchingLabels = ParseGroupingLabels();
                if (Peek.Kind is TokenKind.GroupLeft or TokenKind.GroupRight)
                {
                    matching.Card = Next().Kind == TokenKind.GroupLeft ? VectorMatchCardinality.ManyToOne : VectorMatchCardinality.OneToMany;
                    if (Peek.Kind == TokenKind.LeftParen)
                    {
                        matching.Include = ParseGroupingLabels();
                    }
                }
            }
            ParseFillModifiers(matching);
            int nextMin = opTok.Kind == TokenKind.Pow ? prec : prec + 1;
            var right = ParseBinary(nextMin);
            left = new BinaryExpr(ToBinaryOp(opTok.Kind), left, right, matching, returnBool);
            CheckDepth(left, opTok.Range);
        }
    }

    /// <summary>
    /// <c>fill(v)</c>, <c>fill_left(v)</c>, <c>fill_right(v)</c> after the matching modifiers. They are identifiers followed
    /// by a parenthesis (no function has these names), so a metric called <c>fill</c> still parses as a selector.
    /// </summary>
    private void ParseFillModifiers(VectorMatching matching)
    {
        while (Peek.Kind == TokenKind.Identifier && PeekAt(1).Kind == TokenKind.LeftParen
            && Peek.Text is "fill" or "fill_left" or "fill_right")
        {
            var name = Next();
            if (!_options.EnableBinopFillModifiers)
            {
                Fail(name.Range, "binop fill modifiers are experimental and must be enabled with --enable-feature=promql-binop-fill-modifiers");
            }
            Next();
            bool negative = false;
            if (Peek.Kind is TokenKind.Add or TokenKind.Sub)
            {
                negative = Next().Kind == TokenKind.Sub;
            }
            var num = Expect(TokenKind.Number, name.Text + " modifier", "number");
            if (!GoText.TryParseNumber(num.Text, out double v))
            {
                Fail(num.Range, "error parsing number: strconv.ParseFloat: parsing " + GoText.Quote(num.Text) + ": invalid syntax");
            }
            v = negative ? -v : v;
            Expect(TokenKind.RightParen, name.Text + " modifier", "\")\"");
            if ((name.Text != "fill_right" && matching.FillLeft is not null) || (name.Text != "fill_left" && matching.FillRight is not null))
            {
                Fail(name.Range, "duplicate fill modifier");
            }
            if (name.Text != "fill_right")
            {
                matching.FillLeft = v;
            }
            if (name.Text != "fill_left")
            {
                matching.FillRight = v;
            }
        }
    }

    private Expr ParseUnary()
    {
        var t = Peek;
        if (t.Kind is TokenKind.Add or TokenKind.Sub)
        {
            Next();
            // Note: unary operators have the precedence of '*', so only '^' binds into the operand.
            var operand = ParseBinary(PrecPow);
            if (operand is NumberLiteral nl)
            {
                if (t.Kind == TokenKind.Sub)
                {
                    nl.Value = -nl.Value;
                }
                nl.Range = new PositionRange(t.Pos, nl.Range.End);
                return nl;
            }
            return new UnaryExpr(t.Kind == TokenKind.Sub, operand, t.Pos);
        }
        var primary = ParsePrimary();
        return ParsePostfix(primary);
    }

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.LeftBracket:
                    e = ParseRangeOrSubquery(e);
                    break;
                case TokenKind.Offset:
                    e = ParseOffset(e);
                    break;
                case TokenKind.At:
                    e = ParseAt(e);
                    break;
                case TokenKind.Identifier when t.Text is "anchored" or "smoothed":
                    ParseExtendedRange(e);
                    break;
                default:
                    return e;
            }
            // Note: offset and @ change the node (or its selector) in place, so it is measured again.
            e.ParseDepth = 0;
            if (e is MatrixSelector ms)
            {
                ms.Selector.ParseDepth = 0;
            }
            CheckDepth(e, t.Range);
        }
    }

    /// <summary>
    /// <c>anchored</c> (range selectors) or <c>smoothed</c> (range and instant selectors) after a selector; they are plain
    /// identifiers, since an identifier can never follow a selector otherwise.
    /// </summary>
    private void ParseExtendedRange(Expr e)
    {
        var t = Next();
        if (!_options.EnableExtendedRangeSelectors)
        {
            Fail(t.Range, "the " + t.Text + " modifier is experimental and must be enabled with --enable-feature=promql-extended-range-selectors");
        }
        var vs = e switch
        {
            MatrixSelector ms => ms.Selector,
            VectorSelector v when t.Text == "smoothed" => v,
            _ => null,
        };
        if (vs is null)
        {
            Fail(t.Range, t.Text == "smoothed"
                ? "smoothed modifier must be preceded by an instant vector selector or range vector selector"
                : "anchored modifier must be preceded by a range vector selector");
            return;
        }
        if (vs.Anchored || vs.Smoothed)
        {
            Fail(t.Range, "only one of the anchored and smoothed modifiers is allowed");
        }
        vs.Anchored = t.Text == "anchored";
        vs.Smoothed = t.Text == "smoothed";
        if (e is MatrixSelector m)
        {
            m.EndPos = t.End;
        }
        else
        {
            vs.Range = new PositionRange(vs.Range.Start, t.End);
        }
    }

    private static bool IsMetricIdentifierToken(TokenKind k)
        => k.IsAggregator() || k is TokenKind.By or TokenKind.Without or TokenKind.And or TokenKind.Or or TokenKind.Unless
            or TokenKind.Offset or TokenKind.Start or TokenKind.End or TokenKind.Step or TokenKind.Range;

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
            {
                Next();
                if (!GoText.TryParseNumber(t.Text, out double v))
                {
                    Fail(t.Range, "error parsing number: strconv.ParseFloat: parsing " + GoText.Quote(t.Text) + ": invalid syntax");
                }
                return new NumberLiteral(v, t.Range);
            }
            case TokenKind.Duration:
            {
                Next();
                if (!PromDuration.TryParse(t.Text, out long ms, out string err))
                {
                    Fail(t.Range, err);
                }
                return new NumberLiteral(ms / 1000.0, t.Range, isDuration: true);
            }
            case TokenKind.String:
            {
                Next();
                return new StringLiteral(Unquote(t), t.Range);
            }
            case TokenKind.LeftParen:
            {
                Next();
                var inner = ParseBinary(0);
                var close = Expect(TokenKind.RightParen, string.Empty, string.Empty);
                return new ParenExpr(inner, new PositionRange(t.Pos, close.End));
            }
            case TokenKind.LeftBrace:
                return ParseVectorSelector();
            case TokenKind.Identifier:
                if (PeekAt(1).Kind == TokenKind.LeftParen)
                {
                    return ParseCall(t, t.Text);
                }
                return ParseVectorSelector();
            case TokenKind.MetricIdentifier:
                return ParseVectorSelector();
            case TokenKind.Eof:
                Unexpected(null, null);
                break;
        }
        if (t.Kind.IsAggregator() && PeekAt(1).Kind is TokenKind.LeftParen or TokenKind.By or TokenKind.Without)
        {
            return ParseAggregation();
        }
        if (t.Kind.IsPreprocessor() && PeekAt(1).Kind == TokenKind.LeftParen)
        {
            return ParseCall(t, t.Text.ToLowerInvariant());
        }
        if (IsMetricIdentifierToken(t.Kind))
        {
            return ParseVectorSelector();
        }
        Unexpected(null, null);
        return null!;
    }

    private string Unquote(Token t)
    {
        if (!GoText.TryUnquote(t.Text, out string value, out string err))
        {
            Fail(t.Range, "error unquoting string " + GoText.Quote(t.Text) + ": " + err);
        }
        return value;
    }
}
