using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Decider;

/// <summary>Supplies the signals policies match: firing alerts, analysis insights.</summary>
/// <remarks>Called from the optimizer's loop once per interval; implementations return a snapshot and must not block for long.</remarks>
public interface IOptimizationSignalSource
{
    /// <summary>The signals active now.</summary>
    IReadOnlyList<OptimizationSignal> ActiveSignals();
}
