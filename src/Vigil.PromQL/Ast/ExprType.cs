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
