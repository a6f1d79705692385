namespace Vigil.PromQL.Ast;

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
