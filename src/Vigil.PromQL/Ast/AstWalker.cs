using System.Runtime.CompilerServices;

namespace Vigil.PromQL.Ast;

/// <summary>Enumerates the children of AST nodes and walks trees depth-first.</summary>
public static class AstWalker
{
    /// <summary>The direct children of <paramref name="e"/> (duration expressions excluded).</summary>
    public static IEnumerable<Expr> Children(Expr e)
    {
        switch (e)
        {
            case ParenExpr p:
                yield return p.Inner;
                break;
            case UnaryExpr u:
                yield return u.Operand;
                break;
            case StepInvariantExpr s:
                yield return s.Inner;
                break;
            case BinaryExpr b:
                yield return b.Lhs;
                yield return b.Rhs;
                break;
            case AggregateExpr a:
                if (a.Param is not null)
                {
                    yield return a.Param;
                }
                yield return a.Inner;
                break;
            case Call c:
                foreach (var arg in c.Args)
                {
                    yield return arg;
                }
                break;
            case MatrixSelector m:
                yield return m.Selector;
                break;
            case SubqueryExpr sq:
                yield return sq.Inner;
                break;
        }
    }

    /// <summary>Visits every node depth-first, parents first, passing the path of ancestors (outermost first).</summary>
    public static void Inspect(Expr root, Action<Expr, IReadOnlyList<Expr>> visit)
    {
        var path = new List<Expr>();
        Visit(root, path, visit);
    }

    private static void Visit(Expr e, List<Expr> path, Action<Expr, IReadOnlyList<Expr>> visit)
    {
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        visit(e, path);
        path.Add(e);
        foreach (var child in Children(e))
        {
            Visit(child, path, visit);
        }
        path.RemoveAt(path.Count - 1);
    }
}
