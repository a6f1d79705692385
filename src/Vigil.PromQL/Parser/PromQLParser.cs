using Vigil.Core.Labels;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

/// <summary>Entry points of the PromQL parser.</summary>
public static class PromQLParser
{
    /// <summary>
    /// Parses and type-checks an expression. Throws <see cref="PromQLParseException"/> whose message carries the
    /// position and Prometheus's wording, e.g. <c>1:8: parse error: unexpected end of input</c>.
    /// </summary>
    public static Expr ParseExpr(string input, ParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ExprParser.Parse(input, options);
    }

    /// <summary>
    /// Parses a series selector such as <c>up{job="api"}</c> into its matchers, without the expression checks (an
    /// all-empty selector like <c>{job=""}</c> parses; callers that need a non-empty matcher check it themselves).
    /// </summary>
    public static List<LabelMatcher> ParseMetricSelector(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ExprParser.ParseMetricSelector(input);
    }

    /// <summary>
    /// Formats an expression as Prometheus's <c>/api/v1/format_query</c> does: the canonical form on one line, split
    /// over indented lines where a node's text is longer than 100 characters.
    /// </summary>
    public static string Prettify(Expr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        return AstPrettier.Pretty(expr, 0);
    }
}
