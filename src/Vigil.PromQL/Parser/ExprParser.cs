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
internal sealed class ExprParser
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

    private Call ParseCall(Token name, string funcName)
    {
        Next();
        if (!FunctionCatalog.TryGet(funcName, out var def))
        {
            Fail(name.Range, "unknown function with name " + GoText.Quote(funcName));
        }
        if (def.Experimental && !_options.EnableExperimentalFunctions)
        {
            Fail(name.Range, "function " + GoText.Quote(funcName) + " is not enabled");
        }
        var args = ParseCallBody();
        return new Call(def, args, new PositionRange(name.Pos, _lastClosing));
    }

    private List<Expr> ParseCallBody()
    {
        Expect(TokenKind.LeftParen, string.Empty, string.Empty);
        var args = new List<Expr>();
        if (Peek.Kind == TokenKind.RightParen)
        {
            Next();
            return args;
        }
        while (true)
        {
            args.Add(ParseBinary(0));
            if (Peek.Kind == TokenKind.Comma)
            {
                var comma = Next();
                if (Peek.Kind == TokenKind.RightParen)
                {
                    Fail(comma.Range, "trailing commas not allowed in function call args");
                }
                continue;
            }
            if (Peek.Kind == TokenKind.RightParen)
            {
                Next();
                return args;
            }
            Unexpected(string.Empty, string.Empty);
        }
    }

    private AggregateExpr ParseAggregation()
    {
        var opTok = Next();
        var op = ToAggregationOp(opTok.Kind);
        List<string>? grouping = null;
        bool without = false;
        if (Peek.Kind is TokenKind.By or TokenKind.Without)
        {
            without = Next().Kind == TokenKind.Without;
            grouping = ParseGroupingLabels();
        }
        if (Peek.Kind != TokenKind.LeftParen)
        {
            Unexpected("aggregation", string.Empty);
        }
        var args = ParseCallBody();
        if (grouping is null && Peek.Kind is TokenKind.By or TokenKind.Without)
        {
            without = Next().Kind == TokenKind.Without;
            grouping = ParseGroupingLabels();
        }
        var pos = new PositionRange(opTok.Pos, _lastClosing);
        if (args.Count == 0)
        {
            Fail(pos, "no arguments for aggregate expression provided");
        }
        int desired = 1;
        Expr? param = null;
        if (op.HasParam())
        {
            if (!_options.EnableExperimentalFunctions && op is AggregationOp.Limitk or AggregationOp.LimitRatio)
            {
                Fail(pos, op.Text() + "() is experimental and must be enabled with --enable-feature=promql-experimental-functions");
            }
            desired = 2;
            param = args[0];
        }
        if (args.Count != desired)
        {
            Fail(pos, string.Create(CultureInfo.InvariantCulture, $"wrong number of arguments for aggregate expression provided, expected {desired}, got {args.Count}"));
        }
        return new AggregateExpr(op, args[desired - 1], param, grouping ?? [], without, pos);
    }

    private static AggregationOp ToAggregationOp(TokenKind k) => k switch
    {
        TokenKind.Sum => AggregationOp.Sum,
        TokenKind.Avg => AggregationOp.Avg,
        TokenKind.Count => AggregationOp.Count,
        TokenKind.Min => AggregationOp.Min,
        TokenKind.Max => AggregationOp.Max,
        TokenKind.Group => AggregationOp.Group,
        TokenKind.Stddev => AggregationOp.Stddev,
        TokenKind.Stdvar => AggregationOp.Stdvar,
        TokenKind.Topk => AggregationOp.Topk,
        TokenKind.Bottomk => AggregationOp.Bottomk,
        TokenKind.CountValues => AggregationOp.CountValues,
        TokenKind.Quantile => AggregationOp.Quantile,
        TokenKind.Limitk => AggregationOp.Limitk,
        _ => AggregationOp.LimitRatio,
    };

    private List<string> ParseGroupingLabels()
    {
        if (Peek.Kind != TokenKind.LeftParen)
        {
            Unexpected("grouping opts", "\"(\"");
        }
        Next();
        var labels = new List<string>();
        if (Peek.Kind == TokenKind.RightParen)
        {
            Next();
            return labels;
        }
        while (true)
        {
            var t = Peek;
            string name;
            if (t.Kind == TokenKind.String)
            {
                Next();
                name = Unquote(t);
            }
            else if (t.Kind is TokenKind.Identifier or TokenKind.MetricIdentifier || t.Kind.IsAggregator() || t.Kind.IsKeyword()
                || t.Kind.IsPreprocessor() || t.Kind is TokenKind.And or TokenKind.Or or TokenKind.Unless or TokenKind.Atan2)
            {
                Next();
                name = t.Text;
            }
            else
            {
                Unexpected("grouping opts", "label");
                return labels;
            }
            if (!LabelValidation.IsValidName(name))
            {
                Fail(t.Range, "invalid label name for grouping: " + GoText.Quote(name));
            }
            labels.Add(name);
            if (Peek.Kind == TokenKind.Comma)
            {
                Next();
                if (Peek.Kind == TokenKind.RightParen)
                {
                    Next();
                    return labels;
                }
                continue;
            }
            if (Peek.Kind == TokenKind.RightParen)
            {
                Next();
                return labels;
            }
            Unexpected("grouping opts", "\",\" or \")\"");
        }
    }

    private VectorSelector ParseVectorSelector()
    {
        var first = Peek;
        string name = string.Empty;
        int start = first.Pos;
        int end;
        var matchers = new List<LabelMatcher>();
        if (first.Kind != TokenKind.LeftBrace)
        {
            Next();
            name = first.Text;
            end = first.End;
        }
        else
        {
            end = first.End;
        }
        if (Peek.Kind == TokenKind.LeftBrace)
        {
            Next();
            end = ParseLabelMatchers(matchers);
        }
        if (name.Length != 0)
        {
            matchers.Add(LabelMatcher.MetricName(name));
        }
        return new VectorSelector(name, matchers, new PositionRange(start, end));
    }

    /// <summary>Parses matchers after '{' up to and including '}'; returns the end offset.</summary>
    private int ParseLabelMatchers(List<LabelMatcher> matchers)
    {
        if (Peek.Kind == TokenKind.RightBrace)
        {
            return Next().End;
        }
        while (true)
        {
            var t = Peek;
            if (t.Kind == TokenKind.Identifier || t.Kind == TokenKind.String)
            {
                Next();
                string labelName = t.Kind == TokenKind.String ? Unquote(t) : t.Text;
                var op = Peek;
                if (op.Kind is TokenKind.Eql or TokenKind.Neq or TokenKind.EqlRegex or TokenKind.NeqRegex)
                {
                    Next();
                    var value = Peek;
                    if (value.Kind != TokenKind.String)
                    {
                        Unexpected("label matching", "string");
                    }
                    Next();
                    var type = op.Kind switch
                    {
                        TokenKind.Eql => MatchOp.Equal,
                        TokenKind.Neq => MatchOp.NotEqual,
                        TokenKind.EqlRegex => MatchOp.Regexp,
                        _ => MatchOp.NotRegexp,
                    };
                    matchers.Add(NewMatcher(type, labelName, Unquote(value), new PositionRange(t.Pos, value.End)));
                }
                else if (t.Kind == TokenKind.String)
                {
                    matchers.Add(NewMatcher(MatchOp.Equal, LabelSet.MetricName, labelName, t.Range));
                }
                else
                {
                    Unexpected("label matching", "label matching operator");
                }
            }
            else
            {
                Unexpected("label matching", "identifier or \"}\"");
            }
            if (Peek.Kind == TokenKind.Comma)
            {
                Next();
                if (Peek.Kind == TokenKind.RightBrace)
                {
                    return Next().End;
                }
                continue;
            }
            if (Peek.Kind == TokenKind.RightBrace)
            {
                return Next().End;
            }
            Unexpected("label matching", "\",\" or \"}\"");
        }
    }

    private LabelMatcher NewMatcher(MatchOp type, string name, string value, PositionRange range)
    {
        try
        {
            return new LabelMatcher(type, name, value);
        }
        catch (ArgumentException e)
        {
            Fail(range, "error parsing regexp: " + e.Message);
            return null!;
        }
    }

    private Expr ParseRangeOrSubquery(Expr e)
    {
        var lb = Next();
        if (Peek.Kind is TokenKind.RightBracket or TokenKind.Colon)
        {
            Unexpected("subquery or range selector", "number, duration, step(), or range()");
        }
        var range = ParsePositiveDuration();
        if (Peek.Kind == TokenKind.RightBracket)
        {
            var rb = Next();
            string? err = null;
            if (e is not VectorSelector vs)
            {
                err = "ranges only allowed for vector selectors";
                vs = null!;
            }
            else if (vs.OriginalOffset != 0 || vs.OriginalOffsetExpr is not null)
            {
                err = "no offset modifiers allowed before range";
            }
            else if (vs.Timestamp is not null || vs.StartOrEnd != AtPreprocessor.None)
            {
                err = "no @ modifiers allowed before range";
            }
            if (err is not null)
            {
                Fail(new PositionRange(lb.Pos, rb.End), err);
            }
            return new MatrixSelector(vs, DurationMs(range), range as DurationExpr, _lastClosing);
        }
        if (Peek.Kind != TokenKind.Colon)
        {
            Unexpected("subquery or range", "\":\" or \"]\"");
        }
        Next();
        Expr? step = null;
        if (Peek.Kind != TokenKind.RightBracket)
        {
            if (Peek.Kind is TokenKind.Eof or TokenKind.Colon)
            {
                Unexpected("subquery selector", "number, duration, step(), range(), or \"]\"");
            }
            step = ParsePositiveDuration();
            if (Peek.Kind != TokenKind.RightBracket)
            {
                Unexpected("subquery selector", "\"]\"");
            }
        }
        var close = Next();
        return new SubqueryExpr(e, DurationMs(range), range as DurationExpr, step is null ? 0 : DurationMs(step), step as DurationExpr, close.End);
    }

    /// <summary>Milliseconds of a literal duration (seconds), as Go's time.Duration(math.Round(v*1e9)) in whole ms; 0 for expressions.</summary>
    internal static long DurationMs(Expr e)
        => e is NumberLiteral nl ? (long)Math.Round(nl.Value * 1e9) / 1_000_000 : 0;

    private Expr ParsePositiveDuration()
    {
        var d = ParseDuration(0);
        if (d is NumberLiteral nl && nl.Value <= 0)
        {
            Fail(nl.Range, "duration must be greater than 0");
        }
        return d;
    }

    private static bool DurationOutOfRange(double v) => v > 9223372036.854775807 || v < -9223372036.854775808;

    /// <summary>duration_expr: arithmetic over number and duration literals, step(), range(), min_of() and max_of().</summary>
    private Expr ParseDuration(int minPrec)
    {
        Enter();
        var left = ParseDurationUnary();
        CheckDepth(left);
        while (true)
        {
            var opTok = Peek;
            int prec = opTok.Kind switch
            {
                TokenKind.Add or TokenKind.Sub => PrecAdd,
                TokenKind.Mul or TokenKind.Div or TokenKind.Mod => PrecMul,
                TokenKind.Pow => PrecPow,
                _ => -1,
            };
            if (prec < 0 || prec < minPrec)
            {
                _nesting--;
                return left;
            }
            Next();
            var right = ParseDuration(opTok.Kind == TokenKind.Pow ? prec : prec + 1);
            if (opTok.Kind is TokenKind.Div or TokenKind.Mod && right is NumberLiteral { Value: 0 })
            {
                Fail(opTok.Range, opTok.Kind == TokenKind.Div ? "division by zero" : "modulo by zero");
            }
            var op = opTok.Kind switch
            {
                TokenKind.Add => DurationOp.Add,
                TokenKind.Sub => DurationOp.Sub,
                TokenKind.Mul => DurationOp.Mul,
                TokenKind.Div => DurationOp.Div,
                TokenKind.Mod => DurationOp.Mod,
                _ => DurationOp.Pow,
            };
            left = new DurationExpr(op, left, right, left.Position.Start, right.Position.End);
            CheckDepth(left, opTok.Range);
        }
    }

    private Expr ParseDurationUnary()
    {
        var t = Peek;
        if (t.Kind is TokenKind.Add or TokenKind.Sub)
        {
            Next();
            var operand = ParseDuration(PrecPow);
            return ApplyDurationSign(t, operand);
        }
        return ParseDurationPrimary();
    }

    private Expr ApplyDurationSign(Token sign, Expr operand)
    {
        if (operand is NumberLiteral nl)
        {
            if (sign.Kind == TokenKind.Sub)
            {
                nl.Value = -nl.Value;
            }
            if (DurationOutOfRange(nl.Value))
            {
                Fail(sign.Range, "duration out of range");
            }
            nl.Range = new PositionRange(sign.Pos, nl.Range.End);
            return nl;
        }
        if (sign.Kind == TokenKind.Sub)
        {
            return new DurationExpr(DurationOp.Sub, null, operand, sign.Pos, operand.Position.End);
        }
        return operand;
    }

    private bool AtMinMaxCall()
    {
        var t = Peek;
        bool isMinMax = t.Kind is TokenKind.Min or TokenKind.Max
            || (t.Kind == TokenKind.Identifier && t.Text is "min_of" or "max_of");
        return isMinMax && PeekAt(1).Kind == TokenKind.LeftParen;
    }

    private Expr ParseDurationPrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number or TokenKind.Duration:
            {
                var nl = (NumberLiteral)ParsePrimary();
                if (DurationOutOfRange(nl.Value))
                {
                    Fail(nl.Range, "duration out of range");
                }
                return nl;
            }
            case TokenKind.Step or TokenKind.Range:
            {
                Next();
                Expect(TokenKind.LeftParen, "duration expression", "\"(\"");
                var close = Expect(TokenKind.RightParen, "duration expression", "\")\"");
                return new DurationExpr(t.Kind == TokenKind.Step ? DurationOp.Step : DurationOp.Range, null, null, t.Pos, close.End);
            }
            case TokenKind.LeftParen:
            {
                Next();
                var inner = ParseDuration(0);
                var close = Expect(TokenKind.RightParen, "duration expression", "\")\"");
                if (inner is DurationExpr de)
                {
                    de.Wrapped = true;
                    return de;
                }
                return new DurationExpr(DurationOp.Add, null, inner, t.Pos, close.End) { Wrapped = true };
            }
        }
        if (AtMinMaxCall())
        {
            Next();
            Next();
            var a = ParseDuration(0);
            Expect(TokenKind.Comma, "duration expression", "\",\"");
            var b = ParseDuration(0);
            var close = Expect(TokenKind.RightParen, "duration expression", "\")\"");
            bool isMin = t.Kind == TokenKind.Min || t.Text == "min_of";
            return new DurationExpr(isMin ? DurationOp.Min : DurationOp.Max, a, b, t.Pos, close.End);
        }
        Unexpected("duration expression", "number, duration, step(), or range()");
        return null!;
    }

    /// <summary>offset_duration_expr: a single (optionally signed) duration term, so <c>x offset 1m + 1</c> adds to the vector.</summary>
    private Expr ParseOffsetDuration()
    {
        var t = Peek;
        if (t.Kind is TokenKind.Add or TokenKind.Sub)
        {
            Next();
            var term = ParseDurationTerm();
            return ApplyDurationSign(t, term);
        }
        return ParseDurationTerm();
    }

    private Expr ParseDurationTerm()
    {
        var t = Peek;
        if (t.Kind is TokenKind.Number or TokenKind.Duration or TokenKind.Step or TokenKind.Range or TokenKind.LeftParen || AtMinMaxCall())
        {
            return ParseDurationPrimary();
        }
        Unexpected("offset", "number, duration, step(), or range()");
        return null!;
    }

    private Expr ParseOffset(Expr e)
    {
        Next();
        var d = ParseOffsetDuration();
        DurationExpr? expr = d as DurationExpr;
        long offset = 0;
        if (d is NumberLiteral nl)
        {
            offset = DurationMs(nl);
        }
        switch (e)
        {
            case VectorSelector vs:
                if (vs.OriginalOffset != 0 || vs.OriginalOffsetExpr is not null)
                {
                    Fail(e.Position, "offset may not be set multiple times");
                }
                vs.OriginalOffset = offset;
                vs.OriginalOffsetExpr = expr;
                vs.Range = new PositionRange(vs.Range.Start, _lastClosing);
                break;
            case MatrixSelector ms:
                if (ms.Selector.OriginalOffset != 0 || ms.Selector.OriginalOffsetExpr is not null)
                {
                    Fail(e.Position, "offset may not be set multiple times");
                }
                ms.Selector.OriginalOffset = offset;
                ms.Selector.OriginalOffsetExpr = expr;
                ms.EndPos = _lastClosing;
                break;
            case SubqueryExpr sq:
                if (sq.OriginalOffset != 0 || sq.OriginalOffsetExpr is not null)
                {
                    Fail(e.Position, "offset may not be set multiple times");
                }
                sq.OriginalOffset = offset;
                sq.OriginalOffsetExpr = expr;
                sq.EndPos = _lastClosing;
                break;
            default:
                Fail(e.Position, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
                break;
        }
        return e;
    }

    private Expr ParseAt(Expr e)
    {
        Next();
        var t = Peek;
        long? timestamp = null;
        var pre = AtPreprocessor.None;
        if (t.Kind is TokenKind.Start or TokenKind.End)
        {
            Next();
            Expect(TokenKind.LeftParen, "@", "\"(\"");
            Expect(TokenKind.RightParen, "@", "\")\"");
            pre = t.Kind == TokenKind.Start ? AtPreprocessor.Start : AtPreprocessor.End;
        }
        else
        {
            bool negative = false;
            if (t.Kind is TokenKind.Add or TokenKind.Sub)
            {
                Next();
                negative = t.Kind == TokenKind.Sub;
            }
            var num = Peek;
            double v;
            if (num.Kind == TokenKind.Number)
            {
                Next();
                if (!GoText.TryParseNumber(num.Text, out v))
                {
                    Fail(num.Range, "error parsing number");
                }
            }
            else if (num.Kind == TokenKind.Duration)
            {
                Next();
                if (!PromDuration.TryParse(num.Text, out long ms, out string err))
                {
                    Fail(num.Range, err);
                }
                v = ms / 1000.0;
            }
            else
            {
                Unexpected("@", "timestamp");
                return e;
            }
            if (negative)
            {
                v = -v;
            }
            if (double.IsInfinity(v) || double.IsNaN(v) || v >= 9.223372036854775807e18 || v <= -9.223372036854775808e18)
            {
                Fail(e.Position, "timestamp out of bounds for @ modifier: " + v.ToString("F6", CultureInfo.InvariantCulture));
            }
            timestamp = (long)Math.Round(v * 1000.0, MidpointRounding.AwayFromZero);
        }
        switch (e)
        {
            case VectorSelector vs:
                CheckAtUnset(e, vs.Timestamp, vs.StartOrEnd);
                vs.Timestamp = timestamp;
                vs.StartOrEnd = pre;
                vs.Range = new PositionRange(vs.Range.Start, _lastClosing);
                break;
            case MatrixSelector ms:
                CheckAtUnset(e, ms.Selector.Timestamp, ms.Selector.StartOrEnd);
                ms.Selector.Timestamp = timestamp;
                ms.Selector.StartOrEnd = pre;
                ms.EndPos = _lastClosing;
                break;
            case SubqueryExpr sq:
                CheckAtUnset(e, sq.Timestamp, sq.StartOrEnd);
                sq.Timestamp = timestamp;
                sq.StartOrEnd = pre;
                sq.EndPos = _lastClosing;
                break;
            default:
                Fail(e.Position, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
                break;
        }
        return e;
    }

    private void CheckAtUnset(Expr e, long? ts, AtPreprocessor pre)
    {
        if (ts is not null || pre != AtPreprocessor.None)
        {
            Fail(e.Position, "@ <timestamp> may not be set multiple times");
        }
    }
}
