namespace Vigil.PromQL.Engine;

/// <summary>The kind of a query result, named as in Prometheus's API (<c>resultType</c>).</summary>
public enum QueryValueKind
{
    /// <summary>A range vector (<c>matrix</c>).</summary>
    Matrix,

    /// <summary>An instant vector (<c>vector</c>).</summary>
    Vector,

    /// <summary>A scalar (<c>scalar</c>).</summary>
    Scalar,

    /// <summary>A string (<c>string</c>).</summary>
    String,
}
