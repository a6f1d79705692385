namespace Vigil.Optimizer.Model;

/// <summary>How far the optimizer may go on its own (<c>optimization.mode</c>).</summary>
public enum OptimizationMode
{
    /// <summary>Policies are not evaluated.</summary>
    Off,

    /// <summary>Candidate actions are listed as recommendations; nothing is changed.</summary>
    Recommend,

    /// <summary>Candidate actions wait for a user's approval (API or <c>vigil optimize approve</c>).</summary>
    Approve,

    /// <summary>Candidate actions are executed, evaluated and rolled back automatically.</summary>
    Auto,
}
