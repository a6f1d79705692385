namespace Vigil.PromQL.Testing;

/// <summary>The outcome of one <c>eval</c> statement.</summary>
public enum EvalStatus
{
    /// <summary>Every run met the expectations.</summary>
    Passed,

    /// <summary>A run did not meet the expectations.</summary>
    Failed,
}
