namespace Vigil.Sdk.Profiling;

/// <summary>How a tool run ended.</summary>
public enum ToolOutcome
{
    /// <summary>The run completed without error.</summary>
    Success,

    /// <summary>The run failed: it threw, or the tool called <see cref="ToolRunScope.Fail(Exception)"/>.</summary>
    Failure,

    /// <summary>The run was cancelled (an <see cref="OperationCanceledException"/> escaped it); not counted as an error.</summary>
    Cancelled,
}
