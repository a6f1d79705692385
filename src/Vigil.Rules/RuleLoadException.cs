namespace Vigil.Rules;

/// <summary>A rule set that was rejected as a whole (on reload); <see cref="Errors"/> lists every problem.</summary>
public sealed class RuleLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuleLoadException(IReadOnlyList<RuleFileError> errors)
        : base(errors.Count == 1 ? errors[0].ToString() : errors.Count + " errors in rule files:\n" + string.Join('\n', errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public RuleLoadException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RuleLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Creates the exception without a message.</summary>
    public RuleLoadException()
        : this("invalid rule files")
    {
    }

    /// <summary>The problems found.</summary>
    public IReadOnlyList<RuleFileError> Errors { get; }
}
