namespace Vigil.Server.Api;

/// <summary>A series selector could not be parsed; the message starts with <c>line:col: parse error:</c> as PromQL's does.</summary>
public sealed class SelectorParseException : FormatException
{
    /// <summary>Creates the exception for an error at <paramref name="offset"/> (UTF-16 index) of <paramref name="input"/>.</summary>
    public SelectorParseException(string input, int offset, string detail)
        : base(Format(input, offset, detail, out int line, out int column))
    {
        Offset = offset;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>Zero-based character offset of the error in the input.</summary>
    public int Offset { get; }

    /// <summary>One-based line of the error.</summary>
    public int Line { get; }

    /// <summary>One-based column of the error (in characters).</summary>
    public int Column { get; }

    /// <summary>The error without its position prefix.</summary>
    public string Detail { get; }

    private static string Format(string input, int offset, string detail, out int line, out int column)
    {
        line = 1;
        int lineStart = 0;
        int end = Math.Min(offset, input.Length);
        for (int i = 0; i < end; i++)
        {
            if (input[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        column = offset - lineStart + 1;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{line}:{column}: parse error: {detail}");
    }
}
