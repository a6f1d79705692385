using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.PromQL.Functions;

/// <summary>RE2-style regular expressions for label_replace: fully anchored, dot matches newline, Go's <c>Expand</c>.</summary>
internal sealed class GoRegexp
{
    private readonly Regex _regex;

    private GoRegexp(Regex regex) => _regex = regex;

    /// <summary>Compiles <c>^(?s:pattern)$</c>; false when the pattern is invalid or uses constructs RE2 rejects.</summary>
    public static bool TryCompile(string pattern, out GoRegexp? regexp)
    {
        regexp = null;
        string net = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        try
        {
            regexp = new GoRegexp(new Regex("^(?s:" + net + ")$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Matches <paramref name="input"/>; on success writes the expanded template (Go <c>Regexp.ExpandString</c>).</summary>
    public bool TryExpand(string input, string template, out string result)
    {
        var m = _regex.Match(input);
        if (!m.Success)
        {
            result = string.Empty;
            return false;
        }
        result = Expand(m, template);
        return true;
    }

    private string Expand(Match m, string template)
    {
        var sb = new StringBuilder();
        while (template.Length > 0)
        {
            int dollar = template.IndexOf('$', StringComparison.Ordinal);
            if (dollar < 0)
            {
                break;
            }
            sb.Append(template, 0, dollar);
            template = template[(dollar + 1)..];
            if (template.Length > 0 && template[0] == '$')
            {
                sb.Append('$');
                template = template[1..];
                continue;
            }
            if (!Extract(template, out string name, out int num, out string rest))
            {
                sb.Append('$');
                continue;
            }
            template = rest;
            if (num >= 0)
            {
                if (num < m.Groups.Count && _regex.GetGroupNumbers().Contains(num) && m.Groups[num].Success)
                {
                    sb.Append(m.Groups[num].Value);
                }
            }
            else
            {
                int gn = _regex.GroupNumberFromName(name);
                if (gn >= 0 && m.Groups[gn].Success)
                {
                    sb.Append(m.Groups[gn].Value);
                }
            }
        }
        sb.Append(template);
        return sb.ToString();
    }

    private static bool Extract(string str, out string name, out int num, out string rest)
    {
        name = string.Empty;
        num = 0;
        rest = string.Empty;
        if (str.Length == 0)
        {
            return false;
        }
        bool brace = false;
        if (str[0] == '{')
        {
            brace = true;
            str = str[1..];
        }
        int i = 0;
        while (i < str.Length)
        {
            char c = str[i];
            if (char.IsHighSurrogate(c) && i + 1 < str.Length)
            {
                var r = new Rune(c, str[i + 1]);
                if (!Rune.IsLetter(r) && !Rune.IsDigit(r))
                {
                    break;
                }
                i += 2;
                continue;
            }
            if (!char.IsLetter(c) && !char.IsDigit(c) && c != '_')
            {
                break;
            }
            i++;
        }
        if (i == 0)
        {
            return false;
        }
        name = str[..i];
        if (brace)
        {
            if (i >= str.Length || str[i] != '}')
            {
                return false;
            }
            i++;
        }
        num = 0;
        foreach (char c in name)
        {
            if (c < '0' || c > '9' || num >= 100_000_000)
            {
                num = -1;
                break;
            }
            num = (num * 10) + (c - '0');
        }
        if (name[0] == '0' && name.Length > 1)
        {
            num = -1;
        }
        rest = str[i..];
        return true;
    }
}
