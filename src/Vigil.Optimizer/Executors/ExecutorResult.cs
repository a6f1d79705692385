namespace Vigil.Optimizer.Executors;

/// <summary>What an executor call did: the value now in effect (when known), its output, and whether anything changed.</summary>
/// <param name="Value">The value after the call (e.g. the knob's new value), or null when the executor cannot tell.</param>
/// <param name="Output">HTTP status and body, or the command's output; empty when there is none.</param>
/// <param name="Changed">False when the call had nothing to change (the execution then ends as rejected: nothing to do).</param>
internal sealed record ExecutorResult(string? Value, string Output, bool Changed = true);
