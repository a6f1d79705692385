namespace Vigil.Optimizer.Decider.Levers;

/// <summary>Why the lever decider stopped.</summary>
public enum LeverVerdict
{
    /// <summary>Still searching: a change is proposed.</summary>
    None,

    /// <summary>The objective's threshold is met, the constraints hold, and no cheaper setting is left to try.</summary>
    Met,

    /// <summary>No lever is expected to improve the target beyond the impact threshold (the search converged).</summary>
    Converged,

    /// <summary>The threshold is not met and every lever the decider may turn is exhausted: out of reach of automatic levers.</summary>
    OutOfReach,
}
