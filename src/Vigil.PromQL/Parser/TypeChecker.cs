using System.Globalization;
using System.Runtime.CompilerServices;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

/// <summary>Prometheus's checkAST: argument and operand types, matching rules and selector validity.</summary>
internal sealed class TypeChecker
{
    private readonly ExprParser _parser;
    private readonly string _input;

    public TypeChecker(ExprParser parser)
    {
        _parser = parser;
        _input = parser.Input;
    }

    private void Fail(PositionRange range, string message) => _parser.Fail(range, message);

    private void ExpectType(Expr node, ExprType want, string context)
    {
        var t = Check(node);
        if (t != want)
        {
            Fail(node.Position, $"expected type {want.Documented()} in {context}, got {t.Documented()}");
        }
    }

    public ExprType Check(Expr node)
    {
        // Note: the parser bounds the depth; this turns a too-small stack into an exception instead of a crash.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var type = node.Type;
        switch (node)
        {
            case AggregateExpr a:
                ExpectType(a.Inner, ExprType.Vector, "aggregation expression");
                if (a.Op is AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Quantile or AggregationOp.Limitk or AggregationOp.LimitRatio)
                {
                    ExpectType(a.Param!, ExprType.Scalar, "aggregation parameter");
                }
                if (a.Op == AggregationOp.CountValues)
                {
                    ExpectType(a.Param!, ExprType.String, "aggregation parameter");
                }
                break;
            case BinaryExpr b:
                CheckBinary(b);
                break;
            case Call c:
                CheckCall(c);
                break;
            case ParenExpr p:
                Check(p.Inner);
                break;
            case UnaryExpr u:
            {
                var t = Check(u.Operand);
                if (t is not (ExprType.Scalar or ExprType.Vector))
                {
                    Fail(u.Position, "unary expression only allowed on expressions of type scalar or instant vector, got " + GoText.Quote(t.Documented()));
                }
                break;
            }
            case SubqueryExpr sq:
            {
                var t = Check(sq.Inner);
                if (t != ExprType.Vector)
                {
                    Fail(sq.Position, "subquery is only allowed on instant vector, got " + t.Name() + " instead");
                }
                break;
            }
            case MatrixSelector m:
                Check(m.Selector);
                break;
            case VectorSelector vs:
                CheckSelector(vs);
                break;
            case StepInvariantExpr si:
                Check(si.Inner);
                break;
        }
        return type;
    }

    /// <summary>The second argument of <c>info</c> selects data labels, so a selector that matches the empty string is fine.</summary>
    private void CheckInfoLabelSelector(Expr arg)
    {
        if (arg is not VectorSelector { Timestamp: null, StartOrEnd: AtPreprocessor.None, OriginalOffset: 0, OriginalOffsetExpr: null } vs)
        {
            Fail(arg.Position, "expected label selectors as the second argument to \"info\" function, got " + arg.Type.Documented());
            return;
        }
        if (vs.Name.Length != 0)
        {
            CheckSelector(vs);
        }
    }

    private void CheckSelector(VectorSelector vs)
    {
        if (vs.Name.Length != 0)
        {
            for (int i = 0; i < vs.Matchers.Count - 1; i++)
            {
                if (vs.Matchers[i].Name == LabelSet.MetricName)
                {
                    Fail(vs.Position, "metric name must not be set twice: " + GoText.Quote(vs.Name) + " or " + GoText.Quote(vs.Matchers[i].Value));
                }
            }
            return;
        }
        foreach (var m in vs.Matchers)
        {
            if (!m.MatchesEmpty)
            {
                return;
            }
        }
        Fail(vs.Position, "vector selector must contain at least one non-empty matcher");
    }

    private PositionRange OperatorRange(BinaryExpr b)
    {
        int start = b.Lhs.Position.End;
        while (start < _input.Length && char.IsWhiteSpace(_input[start]))
        {
            start++;
        }
        int end = b.Rhs.Position.Start - 1;
        while (end > start && char.IsWhiteSpace(_input[end]))
        {
            end--;
        }
        return new PositionRange(start, end);
    }

    private void CheckBinary(BinaryExpr b)
    {
        var lt = Check(b.Lhs);
        var rt = Check(b.Rhs);
        var vm = b.Matching;
        if (b.ReturnBool && !b.Op.IsComparison())
        {
            Fail(OperatorRange(b), "bool modifier can only be used on comparison operators");
        }
        if (b.Op.IsComparison() && !b.ReturnBool && lt == ExprType.Scalar && rt == ExprType.Scalar)
        {
            Fail(OperatorRange(b), "comparisons between scalars must use BOOL modifier");
        }
        if (vm is not null && b.Op.IsSetOperator() && vm.Card == VectorMatchCardinality.OneToOne)
        {
            vm.Card = VectorMatchCardinality.ManyToMany;
        }
        if (vm is not null && vm.On)
        {
            foreach (var l1 in vm.MatchingLabels)
            {
                if (vm.Include.Contains(l1))
                {
                    Fail(OperatorRange(b), "label " + GoText.Quote(l1) + " must not occur in ON and GROUP clause at once");
                }
            }
        }
        if (lt is not (ExprType.Scalar or ExprType.Vector))
        {
            Fail(b.Lhs.Position, "binary expression must contain only scalar and instant vector types");
        }
        if (rt is not (ExprType.Scalar or ExprType.Vector))
        {
            Fail(b.Rhs.Position, "binary expression must contain only scalar and instant vector types");
        }
        if ((lt != ExprType.Vector || rt != ExprType.Vector) && vm is not null)
        {
            if (vm.MatchingLabels.Count > 0 || vm.FillLeft is not null || vm.FillRight is not null)
            {
                Fail(b.Position, "vector matching only allowed between instant vectors");
            }
            b.Matching = null;
        }
        else if (vm is not null && b.Op.IsSetOperator())
        {
            if (vm.Card is VectorMatchCardinality.OneToMany or VectorMatchCardinality.ManyToOne)
            {
                Fail(b.Position, "no grouping allowed for " + GoText.Quote(b.Op.Text()) + " operation");
            }
            if (vm.Card != VectorMatchCardinality.ManyToMany)
            {
                Fail(b.Position, "set operations must always be many-to-many");
            }
            if (vm.FillLeft is not null || vm.FillRight is not null)
            {
                Fail(b.Position, "fill modifiers are not allowed for " + GoText.Quote(b.Op.Text()) + " operation");
            }
        }
        if ((lt == ExprType.Scalar || rt == ExprType.Scalar) && b.Op.IsSetOperator())
        {
            Fail(b.Position, "set operator " + GoText.Quote(b.Op.Text()) + " not allowed in binary scalar expression");
        }
    }

    private void CheckCall(Call c)
    {
        var f = c.Func;
        int nargs = f.ArgTypes.Length;
        if (f.Variadic == 0)
        {
            if (nargs != c.Args.Count)
            {
                Fail(c.Position, string.Create(CultureInfo.InvariantCulture, $"expected {nargs} argument(s) in call to {GoText.Quote(f.Name)}, got {c.Args.Count}"));
            }
        }
        else
        {
            int na = nargs - 1;
            if (na > c.Args.Count)
            {
                Fail(c.Position, string.Create(CultureInfo.InvariantCulture, $"expected at least {na} argument(s) in call to {GoText.Quote(f.Name)}, got {c.Args.Count}"));
            }
            else if (f.Variadic > 0 && na + f.Variadic < c.Args.Count)
            {
                Fail(c.Position, string.Create(CultureInfo.InvariantCulture, $"expected at most {na + f.Variadic} argument(s) in call to {GoText.Quote(f.Name)}, got {c.Args.Count}"));
            }
        }
        for (int i = 0; i < c.Args.Count; i++)
        {
            int ti = i;
            if (i >= nargs)
            {
                if (f.Variadic == 0)
                {
                    break;
                }
                ti = nargs - 1;
            }
            if (f.Name == "info" && i == 1)
            {
                CheckInfoLabelSelector(c.Args[i]);
                continue;
            }
            var t = Check(c.Args[i]);
            if (t != f.ArgTypes[ti])
            {
                Fail(c.Args[i].Position, $"expected type {f.ArgTypes[ti].Documented()} in call to function {GoText.Quote(f.Name)}, got {t.Documented()}");
            }
        }
    }
}
