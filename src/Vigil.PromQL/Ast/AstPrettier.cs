using System.Runtime.CompilerServices;
using System.Text;

namespace Vigil.PromQL.Ast;

/// <summary>
/// Prometheus's prettifier (parser/prettier.go): a node whose one-line text fits in 100 bytes prints as it is;
/// a longer one puts its children on their own lines, indented two spaces per level, and lets them decide again.
/// </summary>
internal static class AstPrettier
{
    private const int MaxCharactersPerLine = 100;
    private const string IndentUnit = "  ";

    public static string Pretty(Expr e, int level)
    {
        var sb = new StringBuilder();
        Write(sb, e, level);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Expr e, int level)
    {
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case StepInvariantExpr si:
                Write(sb, si.Inner, level);
                return;
            case AggregateExpr a when NeedsSplit(a):
                Indent(sb, level);
                AstPrinter.WriteAggregateHead(sb, a);
                sb.Append("(\n");
                if (a.Param is not null)
                {
                    Write(sb, a.Param, level + 1);
                    sb.Append(",\n");
                }
                Write(sb, a.Inner, level + 1);
                sb.Append('\n');
                Indent(sb, level);
                sb.Append(')');
                return;
            case BinaryExpr b when NeedsSplit(b):
                if (b.Lhs is NumberLiteral)
                {
                    Indent(sb, level + 1);
                    AstPrinter.WriteOperand(sb, b, b.Lhs);
                }
                else
                {
                    Write(sb, b.Lhs, level + 1);
                }
                sb.Append('\n');
                Indent(sb, level);
                sb.Append(b.Op.Text());
                if (b.ReturnBool)
                {
                    sb.Append(" bool");
                }
                AstPrinter.WriteMatching(sb, b.Matching);
                sb.Append('\n');
                Write(sb, b.Rhs, level + 1);
                return;
            case Call c when NeedsSplit(c):
                Indent(sb, level);
                sb.Append(c.Func.Name).Append("(\n");
                for (int i = 0; i < c.Args.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(",\n");
                    }
                    Write(sb, c.Args[i], level + 1);
                }
                sb.Append('\n');
                Indent(sb, level);
                sb.Append(')');
                return;
            case ParenExpr p when NeedsSplit(p):
                Indent(sb, level);
                sb.Append("(\n");
                Write(sb, p.Inner, level + 1);
                sb.Append('\n');
                Indent(sb, level);
                sb.Append(')');
                return;
            case SubqueryExpr sq:
                // Note: like Prometheus, a subquery that fits on a line is not indented.
                if (!NeedsSplit(sq))
                {
                    AstPrinter.Write(sb, sq);
                    return;
                }
                Write(sb, sq.Inner, level);
                AstPrinter.WriteSubquerySuffix(sb, sq);
                return;
            case UnaryExpr u:
                Indent(sb, level);
                sb.Append(u.Negate ? '-' : '+');
                sb.Append(Pretty(u.Operand, level).Trim());
                return;
            default:
                Indent(sb, level);
                AstPrinter.Write(sb, e);
                return;
        }
    }

    private static bool NeedsSplit(Expr e) => Encoding.UTF8.GetByteCount(AstPrinter.Print(e)) > MaxCharactersPerLine;

    private static void Indent(StringBuilder sb, int level)
    {
        for (int i = 0; i < level; i++)
        {
            sb.Append(IndentUnit);
        }
    }
}
