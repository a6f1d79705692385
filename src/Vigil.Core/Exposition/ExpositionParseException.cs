namespace Vigil.Core.Exposition;

/// <summary>A malformed exposition payload; the message names the 1-based line and column and what was expected.</summary>
public sealed class ExpositionParseException : FormatException
{
    /// <summary>Creates an exception for a problem at <paramref name="line"/>:<paramref name="column"/>.</summary>
    public ExpositionParseException(string reason, int line, int column, long offset)
        : base($"line {line}, column {column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
        Offset = offset;
    }

    /// <summary>Creates an exception without a position.</summary>
    public ExpositionParseException()
    {
        Reason = Message;
    }

    /// <summary>Creates an exception without a position.</summary>
    public ExpositionParseException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates an exception without a position.</summary>
    public ExpositionParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>What was wrong, without the position prefix.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line of the problem (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the problem in Unicode code points (0 when unknown).</summary>
    public int Column { get; }

    /// <summary>The 0-based byte offset of the problem in the payload.</summary>
    public long Offset { get; }
}
