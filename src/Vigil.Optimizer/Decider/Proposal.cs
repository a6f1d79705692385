using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Decider;

/// <summary>A candidate action the decider chose, the policy and signal behind it, and what to do with it (run, or list as pending).</summary>
internal sealed record Proposal(CompiledPolicy Policy, OptimizationSignal Signal, OptimizationAction Action, OptimizationMode Mode);
