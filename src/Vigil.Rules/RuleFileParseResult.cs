namespace Vigil.Rules;

/// <summary>The groups of a rule file that are valid, and the errors of the rest.</summary>
/// <param name="Groups">Groups without errors, in file order.</param>
/// <param name="Errors">Every problem found; errors with a null <see cref="RuleFileError.Group"/> concern the whole file.</param>
public sealed record RuleFileParseResult(IReadOnlyList<RuleGroupSpec> Groups, IReadOnlyList<RuleFileError> Errors);
