using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer;

/// <summary>The configuration in force with its executors and compiled policies.</summary>
/// <param name="Config">The configuration.</param>
/// <param name="Executors">The executors by name.</param>
/// <param name="Policies">The configured policies (matched against signals).</param>
/// <param name="LeverPolicies">One policy per lever of every objective (never matched against signals; they evaluate the lever decider's trials).</param>
internal sealed record OptimizerSetup(OptimizationConfig Config, IReadOnlyDictionary<string, IOptimizationExecutor> Executors, IReadOnlyList<CompiledPolicy> Policies,
    IReadOnlyList<CompiledPolicy> LeverPolicies)
{
    /// <summary>The configured or lever policy named <paramref name="name"/>, or null.</summary>
    public CompiledPolicy? Policy(string name)
        => Policies.FirstOrDefault(p => p.Name == name) ?? LeverPolicies.FirstOrDefault(p => p.Name == name);
}
