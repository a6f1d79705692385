using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Vigil.Core.Labels;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>Prints an AST as PromQL text in Prometheus's canonical form (printer.go), which parses back to the same tree.</summary>
internal static class AstPrinter
{
    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Write(sb, e);
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, Expr e)
    {
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case NumberLiteral n:
                WriteNumber(sb, n);
                break;
            case StringLiteral s:
                GoText.AppendQuoted(sb, s.Value);
                break;
            case ParenExpr p:
                sb.Append('(');
                Write(sb, p.Inner);
                sb.Append(')');
                break;
            case UnaryExpr u:
                sb.Append(u.Negate ? '-' : '+');
                Write(sb, u.Operand);
                break;
            case StepInvariantExpr si:
                Write(sb, si.Inner);
                break;
            case BinaryExpr b:
                WriteOperand(sb, b, b.Lhs);
                sb.Append(' ').Append(b.Op.Text());
                if (b.ReturnBool)
                {
                    sb.Append(" bool");
                }
                WriteMatching(sb, b.Matching);
                sb.Append(' ');
                Write(sb, b.Rhs);
                break;
            case AggregateExpr a:
                WriteAggregateHead(sb, a);
                sb.Append('(');
                if (a.Param is not null)
                {
                    Write(sb, a.Param);
                    sb.Append(", ");
                }
                Write(sb, a.Inner);
                sb.Append(')');
                break;
            case Call c:
                sb.Append(c.Func.Name).Append('(');
                for (int i = 0; i < c.Args.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }
                    Write(sb, c.Args[i]);
                }
                sb.Append(')');
                break;
            case VectorSelector vs:
                WriteSelector(sb, vs);
                WriteAt(sb, vs.Timestamp, vs.StartOrEnd);
                WriteOffset(sb, vs.OriginalOffset, vs.OriginalOffsetExpr);
                WriteExtendedRange(sb, vs);
                break;
            case MatrixSelector ms:
                WriteSelector(sb, ms.Selector);
                sb.Append('[');
                WriteDuration(sb, ms.Range, ms.RangeExpr);
                sb.Append(']');
                WriteAt(sb, ms.Selector.Timestamp, ms.Selector.StartOrEnd);
                WriteOffset(sb, ms.Selector.OriginalOffset, ms.Selector.OriginalOffsetExpr);
                WriteExtendedRange(sb, ms.Selector);
                break;
            case SubqueryExpr sq:
                Write(sb, sq.Inner);
                WriteSubquerySuffix(sb, sq);
                break;
            case DurationExpr d:
                WriteDurationExpr(sb, d);
                break;
            default:
                throw new InvalidOperationException("unknown expression node " + e.GetType().Name);
        }
    }

    /// <summary>
    /// The left operand of a binary operation. Note: Prometheus prints positive infinity as <c>+Inf</c>, which before
    /// <c>^</c> would read back as a unary plus over the power (<c>+(Inf ^ x)</c>), so there it is printed unsigned.
    /// </summary>
    public static void WriteOperand(StringBuilder sb, BinaryExpr b, Expr lhs)
    {
        if (b.Op == BinaryOp.Pow && lhs is NumberLiteral { IsDuration: false } n && double.IsPositiveInfinity(n.Value))
        {
            sb.Append("Inf");
            return;
        }
        Write(sb, lhs);
    }

    /// <summary>The operator and grouping of an aggregation, e.g. <c>sum by (job) </c> (Prometheus's ShortString).</summary>
    public static void WriteAggregateHead(StringBuilder sb, AggregateExpr a)
    {
        sb.Append(a.Op.Text());
        if (a.Without)
        {
            sb.Append(" without (");
            WriteLabels(sb, a.Grouping);
            sb.Append(") ");
        }
        else if (a.Grouping.Count > 0)
        {
            sb.Append(" by (");
            WriteLabels(sb, a.Grouping);
            sb.Append(") ");
        }
    }

    /// <summary>What follows a subquery's inner expression: <c>[range:step]</c>, <c>@</c> and <c>offset</c>.</summary>
    public static void WriteSubquerySuffix(StringBuilder sb, SubqueryExpr sq)
    {
        sb.Append('[');
        WriteDuration(sb, sq.Range, sq.RangeExpr);
        sb.Append(':');
        if (sq.Step != 0)
        {
            sb.Append(PromDuration.Format(sq.Step));
        }
        else if (sq.StepExpr is not null)
        {
            Write(sb, sq.StepExpr);
        }
        sb.Append(']');
        WriteAt(sb, sq.Timestamp, sq.StartOrEnd);
        WriteOffset(sb, sq.OriginalOffset, sq.OriginalOffsetExpr);
    }

    private static void WriteNumber(StringBuilder sb, NumberLiteral n)
    {
        if (n.IsDuration && double.IsFinite(n.Value))
        {
            double v = n.Value;
            // Note: -0m is negative zero, which must print with its sign to read back as the same literal.
            if (double.IsNegative(v))
            {
                sb.Append('-');
                v = -v;
            }
            // Note: Prometheus converts seconds to nanoseconds (truncating) and prints whole milliseconds.
            long ms = (long)(v * 1e9) / 1_000_000;
            sb.Append(PromDuration.Format(ms));
            return;
        }
        sb.Append(GoText.FormatFloat(n.Value));
    }

    private static void WriteDuration(StringBuilder sb, long ms, DurationExpr? expr)
    {
        if (expr is not null)
        {
            Write(sb, expr);
        }
        else
        {
            sb.Append(PromDuration.Format(ms));
        }
    }

    private static void WriteDurationExpr(StringBuilder sb, DurationExpr d)
    {
        if (d.Wrapped)
        {
            sb.Append('(');
        }
        switch (d.Op)
        {
            case DurationOp.Step:
                sb.Append("step()");
                break;
            case DurationOp.Range:
                sb.Append("range()");
                break;
            case DurationOp.Min or DurationOp.Max:
                sb.Append(d.Op == DurationOp.Min ? "min_of(" : "max_of(");
                Write(sb, d.Lhs!);
                sb.Append(", ");
                Write(sb, d.Rhs!);
                sb.Append(')');
                break;
            default:
                if (d.Lhs is null)
                {
                    if (d.Op == DurationOp.Sub)
                    {
                        sb.Append('-');
                    }
                    Write(sb, d.Rhs!);
                }
                else
                {
                    Write(sb, d.Lhs);
                    sb.Append(' ').Append(d.Op switch
                    {
                        DurationOp.Add => "+",
                        DurationOp.Sub => "-",
                        DurationOp.Mul => "*",
                        DurationOp.Div => "/",
                        DurationOp.Mod => "%",
                        _ => "^",
                    }).Append(' ');
                    Write(sb, d.Rhs!);
                }
                break;
        }
        if (d.Wrapped)
        {
            sb.Append(')');
        }
    }

    /// <summary>The <c>on</c>/<c>ignoring</c> and <c>group_left</c>/<c>group_right</c> part of a binary operation.</summary>
    public static void WriteMatching(StringBuilder sb, VectorMatching? vm)
    {
        if (vm is null)
        {
            return;
        }
        bool grouped = vm.Card is VectorMatchCardinality.ManyToOne or VectorMatchCardinality.OneToMany;
        if (vm.MatchingLabels.Count > 0 || vm.On || grouped)
        {
            sb.Append(vm.On ? " on (" : " ignoring (");
            WriteLabels(sb, vm.MatchingLabels);
            sb.Append(')');
        }
        if (grouped)
        {
            sb.Append(vm.Card == VectorMatchCardinality.ManyToOne ? " group_left (" : " group_right (");
            WriteLabels(sb, vm.Include);
            sb.Append(')');
        }
        if (vm.FillLeft is double fl && vm.FillRight is double fr && fl.Equals(fr))
        {
            sb.Append(" fill (").Append(GoText.FormatFloat(fl)).Append(')');
            return;
        }
        if (vm.FillLeft is double l)
        {
            sb.Append(" fill_left (").Append(GoText.FormatFloat(l)).Append(')');
        }
        if (vm.FillRight is double r)
        {
            sb.Append(" fill_right (").Append(GoText.FormatFloat(r)).Append(')');
        }
    }

    private static void WriteLabels(StringBuilder sb, List<string> labels)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            if (LabelValidation.IsValidLegacyLabelName(labels[i]))
            {
                sb.Append(labels[i]);
            }
            else
            {
                GoText.AppendQuoted(sb, labels[i]);
            }
        }
    }

    private static void WriteExtendedRange(StringBuilder sb, VectorSelector vs)
    {
        if (vs.Anchored)
        {
            sb.Append(" anchored");
        }
        if (vs.Smoothed)
        {
            sb.Append(" smoothed");
        }
    }

    private static void WriteSelector(StringBuilder sb, VectorSelector vs)
    {
        var parts = new List<string>(vs.Matchers.Count);
        foreach (var m in vs.Matchers)
        {
            if (m.Name == LabelSet.MetricName && m.Type == MatchOp.Equal && m.Value == vs.Name && m.Value.Length != 0)
            {
                continue;
            }
            parts.Add(MatcherString(m));
        }
        sb.Append(vs.Name);
        if (parts.Count > 0)
        {
            parts.Sort(StringComparer.Ordinal);
            sb.Append('{').AppendJoin(',', parts).Append('}');
        }
    }

    /// <summary>A matcher as Prometheus prints it: the name quoted when it is not a legacy label name.</summary>
    public static string MatcherString(LabelMatcher m)
    {
        var sb = new StringBuilder();
        if (LabelValidation.IsValidLegacyLabelName(m.Name))
        {
            sb.Append(m.Name);
        }
        else
        {
            GoText.AppendQuoted(sb, m.Name);
        }
        sb.Append(m.Type switch
        {
            MatchOp.Equal => "=",
            MatchOp.NotEqual => "!=",
            MatchOp.Regexp => "=~",
            _ => "!~",
        });
        GoText.AppendQuoted(sb, m.Value);
        return sb.ToString();
    }

    private static void WriteAt(StringBuilder sb, long? timestamp, AtPreprocessor pre)
    {
        if (timestamp is long ts)
        {
            sb.Append(" @ ").Append((ts / 1000.0).ToString("F3", CultureInfo.InvariantCulture));
        }
        else if (pre == AtPreprocessor.Start)
        {
            sb.Append(" @ start()");
        }
        else if (pre == AtPreprocessor.End)
        {
            sb.Append(" @ end()");
        }
    }

    private static void WriteOffset(StringBuilder sb, long offset, DurationExpr? expr)
    {
        if (expr is not null)
        {
            sb.Append(" offset ");
            Write(sb, expr);
        }
        else if (offset > 0)
        {
            sb.Append(" offset ").Append(PromDuration.Format(offset));
        }
        else if (offset < 0)
        {
            sb.Append(" offset -").Append(PromDuration.Format(-offset));
        }
    }
}
