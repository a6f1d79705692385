namespace Vigil.Optimizer.Executors;

/// <summary>An executor call failed: the message says what and where, <see cref="Output"/> holds what the target answered.</summary>
public sealed class ExecutorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutorException(string message, string output = "", Exception? inner = null)
        : base(message, inner) => Output = output;

    /// <summary>The HTTP answer or command output that came with the failure (possibly empty).</summary>
    public string Output { get; }
}
