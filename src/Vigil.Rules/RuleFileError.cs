using System.Globalization;

namespace Vigil.Rules;

/// <summary>A problem in a rule file, with its position; <see cref="ToString"/> reads <c>file:line:col: message</c>.</summary>
/// <param name="File">The file name as given.</param>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Group">The group the problem is in, or null for a problem with the whole file (YAML syntax, unreadable file).</param>
/// <param name="Message">What is wrong.</param>
public sealed record RuleFileError(string File, int Line, int Column, string? Group, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line <= 0
        ? File + ": " + Message
        : string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}");
}
