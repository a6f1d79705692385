namespace Vigil.PromQL.Parser;

/// <summary>Options of the PromQL parser.</summary>
/// <param name="EnableExperimentalFunctions">Accept functions and aggregations Prometheus marks experimental (limitk, mad_over_time, ...).</param>
public sealed record ParserOptions(bool EnableExperimentalFunctions = true)
{
    /// <summary>The default <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 1000;

    /// <summary>
    /// The deepest expression tree accepted (default 1,000): every parenthesis, unary sign, function call,
    /// aggregation, subquery and each operator of a chain such as <c>a + b + c</c> is one level. Deeper input is a
    /// parse error, so no later pass (type check, printer, evaluator) can exhaust the stack.
    /// </summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>
    /// Accept the <c>fill</c>, <c>fill_left</c> and <c>fill_right</c> modifiers of vector/vector operations (Prometheus's
    /// <c>promql-binop-fill-modifiers</c> feature; on by default, like the experimental functions).
    /// </summary>
    public bool EnableBinopFillModifiers { get; init; } = true;

    /// <summary>
    /// Accept the <c>anchored</c> and <c>smoothed</c> range-selector modifiers (Prometheus's
    /// <c>promql-extended-range-selectors</c> feature; on by default, like the experimental functions).
    /// </summary>
    public bool EnableExtendedRangeSelectors { get; init; } = true;

    /// <summary>The default options (experimental functions enabled).</summary>
    public static ParserOptions Default { get; } = new();
}
