using System.Globalization;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

// The postfix modifiers: ranges and subqueries, duration expressions, offset and @.
internal sealed partial class ExprParser
{
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
