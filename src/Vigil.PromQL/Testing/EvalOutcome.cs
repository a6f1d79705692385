namespace Vigil.PromQL.Testing;

/// <summary>The result of one <c>eval</c> statement.</summary>
/// <param name="Line">1-based line of the statement.</param>
/// <param name="Expression">The PromQL expression.</param>
/// <param name="Status">Passed or failed.</param>
/// <param name="Message">For failures, <c>file:line: expected … got …</c>; for exclusions, the reason.</param>
public sealed record EvalOutcome(int Line, string Expression, EvalStatus Status, string? Message);
