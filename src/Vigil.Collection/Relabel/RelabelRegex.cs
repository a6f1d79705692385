using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Collection.Relabel;

/// <summary>
/// A relabelling regular expression with Prometheus's semantics: RE2 syntax, fully anchored (<c>^(?:re)$</c>), groups
/// numbered left to right whether named or not, and Go's <c>$1</c> / <c>${name}</c> template expansion.
/// </summary>
/// <remarks>
/// The pattern is translated to a .NET expression run by the non-backtracking engine, which like RE2 matches in linear
/// time and rejects backreferences and lookaround. Go's ASCII classes (<c>\d</c>, <c>\w</c>, <c>\s</c>,
/// <c>[[:alpha:]]</c>), <c>(?P&lt;name&gt;…)</c> groups, <c>\Q…\E</c> and <c>$</c> as end of text are preserved.
/// Thread-safe (immutable).
/// </remarks>
public sealed class RelabelRegex
{
    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z",
        ["alpha"] = "A-Za-z",
        ["ascii"] = @"\x00-\x7F",
        ["blank"] = @"\t ",
        ["cntrl"] = @"\x00-\x1F\x7F",
        ["digit"] = "0-9",
        ["graph"] = @"!-~",
        ["lower"] = "a-z",
        ["print"] = @" -~",
        ["punct"] = @"!-/:-@\[-`{-~",
        ["space"] = @"\t\n\v\f\r ",
        ["upper"] = "A-Z",
        ["word"] = "0-9A-Za-z_",
        ["xdigit"] = "0-9A-Fa-f",
    };

    private readonly Regex _regex;
    private readonly string?[] _groupNames;

    private RelabelRegex(string pattern, Regex regex, string?[] groupNames)
    {
        Pattern = pattern;
        _regex = regex;
        _groupNames = groupNames;
    }

    /// <summary>Prometheus's default relabelling regex, <c>(.*)</c>.</summary>
    public static RelabelRegex Default { get; } = Parse("(.*)");

    /// <summary>The pattern as written in the configuration (without the anchors).</summary>
    public string Pattern { get; }

    /// <summary>Compiles <paramref name="pattern"/>; throws <see cref="FormatException"/> with the reason when it is not valid.</summary>
    public static RelabelRegex Parse(string pattern)
        => TryParse(pattern, out var regex, out string error) ? regex : throw new FormatException(error);

    /// <summary>Compiles <paramref name="pattern"/>; on failure returns false with the reason.</summary>
    public static bool TryParse(string pattern, out RelabelRegex regex, out string error)
    {
        regex = null!;
        if (!TryTranslate(pattern, out string translated, out var names, out error))
        {
            return false;
        }
        try
        {
            var re = new Regex("^(?:" + translated + @")\z",
                RegexOptions.CultureInvariant | RegexOptions.NonBacktracking); 
            regex = new RelabelRegex(pattern, re, names.ToArray());
            return true;
        }
        catch (ArgumentException e)
        {
            error = $"invalid regular expression \"{pattern}\": {e.Message}";
            return false;
        }
        catch (NotSupportedException e)
        {
            error = $"invalid regular expression \"{pattern}\": {e.Message} (Prometheus uses RE2 syntax, which has no backreferences or lookaround)";
            return false;
        }
    }

    /// <summary>True when the whole of <paramref name="input"/> matches.</summary>
    public bool IsMatch(string input) => _regex.IsMatch(input);

    /// <summary>Matches the whole of <paramref name="input"/>; null when it does not match.</summary>
    public Match? Match(string input)
    {
        var m = _regex.Match(input);
        return m.Success ? m : null;
    }

    /// <summary>
    /// Expands <paramref name="template"/> with the groups of <paramref name="match"/> as Go's <c>Regexp.Expand</c>
    /// does: <c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>${name}</c>; <c>$$</c> is a literal <c>$</c>; a reference to a
    /// missing or unmatched group is empty; a malformed reference keeps its <c>$</c>. Note that <c>$1x</c> names a
    /// group called <c>1x</c> (empty); write <c>${1}x</c>.
    /// </summary>
    public string Expand(string template, Match match)
    {
        int dollar = template.IndexOf('$', StringComparison.Ordinal);
        if (dollar < 0)
        {
            return template;
        }
        var sb = new StringBuilder(template.Length + 16);
        sb.Append(template, 0, dollar);
        int i = dollar;
        while (i < template.Length)
        {
            char c = template[i];
            if (c != '$')
            {
                sb.Append(c);
                i++;
                continue;
            }
            i++;
            if (i < template.Length && template[i] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (!TryExtractReference(template, i, out string name, out int number, out int next))
            {
                sb.Append('$');
                continue;
            }
            i = next;
            if (number >= 0)
            {
                if (number < match.Groups.Count && match.Groups[number].Success)
                {
                    sb.Append(match.Groups[number].ValueSpan);
                }
            }
            else
            {
                for (int g = 1; g < _groupNames.Length; g++)
                {
                    if (_groupNames[g] == name && g < match.Groups.Count && match.Groups[g].Success)
                    {
                        sb.Append(match.Groups[g].ValueSpan);
                        break;
                    }
                }
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Pattern;

    /// <summary>Go's <c>regexp.extract</c>: a name of letters, digits and underscores, optionally in braces.</summary>
    private static bool TryExtractReference(string s, int start, out string name, out int number, out int next)
    {
        name = string.Empty;
        number = -1;
        next = start;
        int i = start;
        bool brace = i < s.Length && s[i] == '{';
        if (brace)
        {
            i++;
        }
        int nameStart = i;
        while (i < s.Length)
        {
            int advance = 1;
            bool ok;
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(s, i);
                ok = IsLetterOrDigitCategory(category);
                advance = 2;
            }
            else
            {
                ok = char.IsLetterOrDigit(s[i]) || s[i] == '_';
            }
            if (!ok)
            {
                break;
            }
            i += advance;
        }
        if (i == nameStart)
        {
            return false;
        }
        name = s[nameStart..i];
        if (brace)
        {
            if (i >= s.Length || s[i] != '}')
            {
                return false;
            }
            i++;
        }
        number = 0;
        foreach (char c in name)
        {
            if (c < '0' || c > '9' || number >= 100_000_000)
            {
                number = -1;
                break;
            }
            number = number * 10 + (c - '0');
        }
        if (name[0] == '0' && name.Length > 1)
        {
            number = -1;
        }
        next = i;
        return true;
    }

    private static bool IsLetterOrDigitCategory(UnicodeCategory c)
        => c is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber;

    /// <summary>
    /// Rewrites RE2 syntax as .NET syntax with the same meaning: named groups become plain groups (so numbering matches
    /// Go's), ASCII-only shorthand classes, POSIX classes, <c>\Q…\E</c> and <c>$</c> as end of text.
    /// </summary>
    private static bool TryTranslate(string p, out string result, out List<string?> groupNames, out string error)
    {
        var sb = new StringBuilder(p.Length + 16);
        groupNames = [null];
        error = string.Empty;
        result = string.Empty;
        bool multiline = HasMultilineFlag(p);
        int i = 0;
        while (i < p.Length)
        {
            char c = p[i];
            if (c == '\\')
            {
                if (i + 1 >= p.Length)
                {
                    error = $"invalid regular expression \"{p}\": trailing backslash at end of expression";
                    return false;
                }
                char n = p[i + 1];
                if (n == 'Q')
                {
                    int end = p.IndexOf(@"\E", i + 2, StringComparison.Ordinal);
                    string literal = end < 0 ? p[(i + 2)..] : p[(i + 2)..end];
                    sb.Append(Regex.Escape(literal));
                    i = end < 0 ? p.Length : end + 2;
                    continue;
                }
                sb.Append(n switch
                {
                    'd' => "[0-9]",
                    'D' => "[^0-9]",
                    'w' => "[0-9A-Za-z_]",
                    'W' => "[^0-9A-Za-z_]",
                    's' => @"[\t\n\f\r ]",
                    'S' => @"[^\t\n\f\r ]",
                    _ => null,
                } ?? TranslateEscape(p, ref i));
                i += 2;
                continue;
            }
            if (c == '[')
            {
                if (!TranslateClass(p, ref i, sb, out error))
                {
                    return false;
                }
                continue;
            }
            if (c == '(')
            {
                if (i + 1 < p.Length && p[i + 1] == '?')
                {
                    int nameStart = -1;
                    if (p.AsSpan(i).StartsWith("(?P<"))
                    {
                        nameStart = i + 4;
                    }
                    else if (p.AsSpan(i).StartsWith("(?<") && i + 3 < p.Length && p[i + 3] is not '=' and not '!')
                    {
                        nameStart = i + 3;
                    }
                    if (nameStart >= 0)
                    {
                        int close = p.IndexOf('>', nameStart);
                        if (close < 0)
                        {
                            error = $"invalid regular expression \"{p}\": invalid named capture";
                            return false;
                        }
                        groupNames.Add(p[nameStart..close]);
                        sb.Append('(');
                        i = close + 1;
                        continue;
                    }
                    sb.Append(c);
                    i++;
                    continue;
                }
                groupNames.Add(null);
                sb.Append(c);
                i++;
                continue;
            }
            if (c == '$' && !multiline)
            {
                sb.Append(@"\z");
                i++;
                continue;
            }
            sb.Append(c);
            i++;
        }
        result = sb.ToString();
        return true;
    }

    private static string TranslateEscape(string p, ref int i)
    {
        char n = p[i + 1];
        // Go's \pN is .NET's \p{N}.
        if ((n == 'p' || n == 'P') && i + 2 < p.Length && p[i + 2] != '{')
        {
            string s = "\\" + n + "{" + p[i + 2] + "}";
            i++;
            return s;
        }
        return p.Substring(i, 2);
    }

    private static bool TranslateClass(string p, ref int i, StringBuilder sb, out string error)
    {
        error = string.Empty;
        int start = i;
        sb.Append('[');
        i++;
        if (i < p.Length && p[i] == '^')
        {
            sb.Append('^');
            i++;
        }
        bool first = true;
        while (i < p.Length)
        {
            char c = p[i];
            if (c == ']' && !first)
            {
                sb.Append(']');
                i++;
                return true;
            }
            first = false;
            if (c == '[' && i + 1 < p.Length && p[i + 1] == ':')
            {
                int close = p.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (close > 0)
                {
                    string name = p[(i + 2)..close];
                    if (PosixClasses.TryGetValue(name, out string? range))
                    {
                        sb.Append(range);
                        i = close + 2;
                        continue;
                    }
                    error = $"invalid regular expression \"{p}\": invalid character class range \"[:{name}:]\"";
                    return false;
                }
            }
            if (c == '\\' && i + 1 < p.Length)
            {
                char n = p[i + 1];
                sb.Append(n switch
                {
                    'd' => "0-9",
                    'w' => "0-9A-Za-z_",
                    's' => @"\t\n\f\r ",
                    _ => p.Substring(i, 2),
                });
                i += 2;
                continue;
            }
            if (c == '[')
            {
                // A literal '[' inside a class must be escaped for .NET (it would start a subtraction after '-').
                sb.Append(@"\[");
                i++;
                continue;
            }
            sb.Append(c);
            i++;
        }
        error = $"invalid regular expression \"{p}\": missing closing ] in \"{p[start..]}\"";
        return false;
    }

    private static bool HasMultilineFlag(string p)
    {
        int i = 0;
        while ((i = p.IndexOf("(?", i, StringComparison.Ordinal)) >= 0)
        {
            int j = i + 2;
            while (j < p.Length && char.IsAsciiLetter(p[j]))
            {
                if (p[j] == 'm')
                {
                    return true;
                }
                j++;
            }
            i = j;
        }
        return false;
    }
}
