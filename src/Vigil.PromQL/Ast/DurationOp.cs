namespace Vigil.PromQL.Ast;

/// <summary>Operators of duration expressions (inside <c>[...]</c> and after <c>offset</c>).</summary>
public enum DurationOp
{
    /// <summary><c>+</c> (unary when Lhs is null).</summary>
    Add,

    /// <summary><c>-</c> (unary when Lhs is null).</summary>
    Sub,

    /// <summary><c>*</c></summary>
    Mul,

    /// <summary><c>/</c></summary>
    Div,

    /// <summary><c>%</c></summary>
    Mod,

    /// <summary><c>^</c></summary>
    Pow,

    /// <summary><c>step()</c>: the query step.</summary>
    Step,

    /// <summary><c>range()</c>: end minus start of the query.</summary>
    Range,

    /// <summary><c>min_of(a, b)</c></summary>
    Min,

    /// <summary><c>max_of(a, b)</c></summary>
    Max,
}
