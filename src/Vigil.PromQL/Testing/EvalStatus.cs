namespace Vigil.PromQL.Testing;

/// <summary>The outcome of one <c>eval</c> statement.</summary>
public enum EvalStatus
{
    /// <summary>Every run met the expectations.</summary>
    Passed,

    /// <summary>A run did not meet the expectations.</summary>
    Failed,

    /// <summary>The statement needs native histograms, which Vigil does not support, and fails without them; not counted as failed.</summary>
    NativeHistogram,
}
