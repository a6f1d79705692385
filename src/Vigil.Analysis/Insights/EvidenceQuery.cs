using Vigil.Core.Labels;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.Analysis.Insights;

/// <summary>A series an insight cites, as the PromQL that computes it.</summary>
/// <param name="Name">What it is (<c>cpu_saturation</c>, <c>http_request_duration_seconds p95</c>).</param>
/// <param name="Query">The expression; evaluating it as a range query draws the series.</param>
public sealed record EvidenceQuery(string Name, string Query)
{
    /// <summary>
    /// <paramref name="query"/> restricted to the series with <paramref name="labels"/>: an equality matcher for each
    /// label is added to every selector of the expression (labels a selector already matches on are left as written).
    /// The expression as written when it does not parse.
    /// </summary>
    public static EvidenceQuery For(string name, string query, LabelSet labels)
    {
        Expr expr;
        try
        {
            expr = PromQLParser.ParseExpr(query);
        }
        catch (PromQLParseException)
        {
            return new(name, query);
        }
        AstWalker.Inspect(expr, (node, _) =>
        {
            if (node is VectorSelector v)
            {
                foreach (var label in labels)
                {
                    if (label.Name != LabelSet.MetricName && !v.Matchers.Exists(m => m.Name == label.Name))
                    {
                        v.Matchers.Add(LabelMatcher.Equal(label.Name, label.Value));
                    }
                }
            }
        });
        return new(name, expr.ToString());
    }
}
