namespace Vigil.Core.Config;

/// <summary>One problem in a configuration file, positioned at a 1-based line and column.</summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Line">The 1-based line, or 0 when the problem concerns the whole file.</param>
/// <param name="Column">The 1-based column, or 0 when unknown.</param>
/// <param name="Message">What is wrong and where in the document (e.g. <c>unknown key "x" in scrape_configs[0]</c>).</param>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    /// <summary>Formats as <c>file:line:col: message</c> (or <c>file: message</c> without a position).</summary>
    public override string ToString()
        => Line > 0 ? $"{File}:{Line.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Column.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {Message}" : $"{File}: {Message}";
}
