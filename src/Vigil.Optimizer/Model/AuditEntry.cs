namespace Vigil.Optimizer.Model;

/// <summary>One line of the optimizer's audit log: who did what to which execution, when, and with what result.</summary>
/// <param name="Time">When it happened.</param>
/// <param name="Principal">
/// Who: the authenticated user or token name when the request was authenticated, <c>anonymous</c> for an
/// unauthenticated request, <c>optimizer</c> for the optimizer's own executor calls.
/// </param>
/// <param name="Kind"><c>request</c> (approve, reject or rollback through the API) or <c>execution</c> (an executor call).</param>
/// <param name="Action"><c>approve</c>, <c>reject</c>, <c>rollback</c> for requests; <c>capture</c>, <c>apply</c>, <c>rollback</c> for executor calls.</param>
/// <param name="ExecutionId">The execution concerned (as given, for a request naming an unknown one).</param>
/// <param name="Result"><c>ok</c>, <c>failed</c>, <c>refused</c> (the request was not allowed in the execution's state) or <c>denied</c> (not authorized).</param>
/// <param name="Detail">The error, the executor's summary (command line and exit code, HTTP status), the reason given, or the address a request came from.</param>
public sealed record AuditEntry(
    DateTimeOffset Time,
    string Principal,
    string Kind,
    string Action,
    string ExecutionId,
    string Result,
    string Detail)
{
    /// <summary>The principal of an unauthenticated request.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>The principal of the optimizer's own executor calls.</summary>
    public const string OptimizerPrincipal = "optimizer";

    /// <summary>The executor that ran or would run, when known.</summary>
    public string? Executor { get; init; }

    /// <summary>The action's policy, when known.</summary>
    public string? Policy { get; init; }

    /// <summary>The action's target, when known.</summary>
    public string? Target { get; init; }
}
