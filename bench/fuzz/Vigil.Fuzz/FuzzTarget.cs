namespace Vigil.Fuzz;

/// <summary>What one input did to a parser.</summary>
internal enum Outcome
{
    /// <summary>The input was accepted.</summary>
    Accepted,

    /// <summary>The input was refused with the parser's own documented error.</summary>
    Rejected,
}

/// <summary>
/// One parser under fuzz: <see cref="Run"/> feeds it an input and returns how it answered; any exception that escapes
/// <see cref="Run"/> is a finding (the parser threw something other than its documented error, or broke a promise
/// checked by the harness, such as a 5xx answer from an HTTP endpoint).
/// </summary>
/// <param name="Name">The name used on the command line and for the corpus folders.</param>
/// <param name="Description">What is fuzzed and which error counts as a clean refusal.</param>
/// <param name="Run">Feeds one input.</param>
internal sealed record FuzzTarget(string Name, string Description, Func<byte[], Outcome> Run);

/// <summary>A promise of a parser that an input broke without an exception of its own (a 5xx answer, a round trip that fails).</summary>
internal sealed class FuzzFindingException(string message, Exception? inner = null) : Exception(message, inner);
