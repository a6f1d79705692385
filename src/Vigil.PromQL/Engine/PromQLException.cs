using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

/// <summary>A query failed; <see cref="ErrorType"/> tells the API how to report it.</summary>
public sealed class PromQLException : Exception
{
    /// <summary>Creates an error of the given type.</summary>
    public PromQLException(QueryErrorType errorType, string message, PositionRange? position = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorType = errorType;
        Position = position;
    }

    /// <summary>Creates an execution error.</summary>
    public PromQLException()
        : this(QueryErrorType.Execution, "query failed")
    {
    }

    /// <summary>Creates an execution error.</summary>
    public PromQLException(string message)
        : this(QueryErrorType.Execution, message)
    {
    }

    /// <summary>Creates an execution error wrapping another.</summary>
    public PromQLException(string message, Exception innerException)
        : this(QueryErrorType.Execution, message, null, innerException)
    {
    }

    /// <summary>The API error type.</summary>
    public QueryErrorType ErrorType { get; }

    /// <summary>Position in the query for parse errors.</summary>
    public PositionRange? Position { get; }

    /// <summary>Warnings gathered before the failure.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
