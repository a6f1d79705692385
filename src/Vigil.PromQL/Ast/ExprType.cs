namespace Vigil.PromQL.Ast;

/// <summary>The type an expression evaluates to.</summary>
public enum ExprType
{
    /// <summary>No value (only for invalid expressions).</summary>
    None,

    /// <summary>A single float.</summary>
    Scalar,

    /// <summary>An instant vector: one sample per series.</summary>
    Vector,

    /// <summary>A range vector: many samples per series.</summary>
    Matrix,

    /// <summary>A string.</summary>
    String,
}

/// <summary>Text forms of <see cref="ExprType"/> used in messages.</summary>
public static class ExprTypes
{
    /// <summary>Prometheus's internal name (<c>vector</c>, <c>matrix</c>, <c>scalar</c>, <c>string</c>, <c>none</c>).</summary>
    public static string Name(this ExprType t) => t switch
    {
        ExprType.Scalar => "scalar",
        ExprType.Vector => "vector",
        ExprType.Matrix => "matrix",
        ExprType.String => "string",
        _ => "none",
    };

    /// <summary>The documented name used in type errors (<c>instant vector</c>, <c>range vector</c>, ...).</summary>
    public static string Documented(this ExprType t) => t switch
    {
        ExprType.Vector => "instant vector",
        ExprType.Matrix => "range vector",
        _ => t.Name(),
    };
}
