using System.Globalization;
using Vigil.Core.Labels;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

// Function calls and aggregations: arguments, parameters and by/without grouping.
internal sealed partial class ExprParser
{
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
}
