namespace Vigil.Optimizer.Model;

/// <summary>One timestamped line in an execution's log (approved by, resumed after a restart, rollback output, ...).</summary>
/// <param name="At">When it happened.</param>
/// <param name="Text">What happened.</param>
public sealed record ExecutionNote(DateTimeOffset At, string Text);
