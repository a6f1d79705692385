namespace Vigil.Optimizer;

/// <summary>An approve, reject or rollback request that cannot be honoured: unknown id (<see cref="NotFound"/>) or a state conflict.</summary>
public sealed class OptimizerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OptimizerException(string message, bool notFound = false)
        : base(message) => NotFound = notFound;

    /// <summary>True when no execution has the id; otherwise the execution's state does not allow the request.</summary>
    public bool NotFound { get; }
}
