namespace Vigil.PromQL.Ast;

/// <summary>Properties of <see cref="BinaryOp"/>.</summary>
public static class BinaryOps
{
    /// <summary>The operator as written in PromQL.</summary>
    public static string Text(this BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "^",
        BinaryOp.Atan2 => "atan2",
        BinaryOp.Eql => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Gtr => ">",
        BinaryOp.Lss => "<",
        BinaryOp.Gte => ">=",
        BinaryOp.Lte => "<=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        _ => "unless",
    };

    /// <summary>True for <c>== != &gt; &lt; &gt;= &lt;=</c>.</summary>
    public static bool IsComparison(this BinaryOp op) => op is >= BinaryOp.Eql and <= BinaryOp.Lte;

    /// <summary>True for <c>and or unless</c>.</summary>
    public static bool IsSetOperator(this BinaryOp op) => op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;

    /// <summary>True for the arithmetic operators, whose result drops the metric name.</summary>
    public static bool DropsMetricName(this BinaryOp op) => op is >= BinaryOp.Add and <= BinaryOp.Atan2;
}
