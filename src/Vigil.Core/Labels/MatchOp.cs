namespace Vigil.Core.Labels;

/// <summary>The four label matcher operators of PromQL.</summary>
public enum MatchOp
{
    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>!=</c></summary>
    NotEqual,

    /// <summary><c>=~</c>, fully anchored regular expression.</summary>
    Regexp,

    /// <summary><c>!~</c>, negated fully anchored regular expression.</summary>
    NotRegexp,
}
