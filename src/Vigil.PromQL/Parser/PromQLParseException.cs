namespace Vigil.PromQL.Parser;

/// <summary>A syntax or type error in a PromQL expression, with its position and Prometheus's wording.</summary>
/// <remarks>
/// <see cref="Exception.Message"/> reads like Prometheus's: <c>1:5: parse error: unexpected end of input</c>.
/// </remarks>
public sealed class PromQLParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PromQLParseException(string query, PositionRange position, string detail)
        : base(position.FormatStart(query) + ": parse error: " + detail)
    {
        Query = query;
        Position = position;
        Detail = detail;
    }

    /// <summary>Creates an exception without a position (for callers that only have a message).</summary>
    public PromQLParseException(string message)
        : base(message)
    {
        Query = string.Empty;
        Detail = message;
    }

    /// <summary>Creates an exception without a position.</summary>
    public PromQLParseException()
        : this("parse error")
    {
    }

    /// <summary>Creates an exception without a position, wrapping another.</summary>
    public PromQLParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Query = string.Empty;
        Detail = message;
    }

    /// <summary>The query text.</summary>
    public string Query { get; }

    /// <summary>The offending range.</summary>
    public PositionRange Position { get; }

    /// <summary>The error without the position prefix.</summary>
    public string Detail { get; }
}
