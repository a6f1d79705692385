using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer;

/// <summary>The configuration in force with its executors and compiled policies.</summary>
internal sealed record OptimizerSetup(OptimizationConfig Config, IReadOnlyDictionary<string, IOptimizationExecutor> Executors, IReadOnlyList<CompiledPolicy> Policies);
