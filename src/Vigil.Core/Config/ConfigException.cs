namespace Vigil.Core.Config;

/// <summary>A configuration file could not be loaded; <see cref="Errors"/> lists every problem found, in file order.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates an exception for one or more problems.</summary>
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception for one problem without a position.</summary>
    public ConfigException(string message)
        : this([new ConfigError("config", 0, 0, message)])
    {
    }

    /// <summary>Creates an exception for one problem without a position.</summary>
    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigError("config", 0, 0, message)];
    }

    /// <summary>Creates an exception with a generic message.</summary>
    public ConfigException()
        : this("invalid configuration")
    {
    }

    /// <summary>The problems, each naming file, line, column and key.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}
