using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Core.Labels;

/// <summary>A label matcher: <c>name op "value"</c> with op one of <c>= != =~ !~</c>.</summary>
/// <remarks>
/// Immutable and thread-safe. Regular expressions are fully anchored and use RE2-compatible semantics:
/// they are compiled with .NET's non-backtracking engine (linear time, no backreferences or lookaround,
/// as in RE2), with <c>.</c> matching newlines as Prometheus's <c>(?s)</c> does. Common shapes take fast
/// paths that never run the regex engine: a literal, an alternation of literals (<c>a|b|c</c>), a literal
/// prefix followed by <c>.*</c>, and <c>.*</c> / <c>.+</c>.
/// A matcher against a missing label sees the empty string, so <c>foo=""</c> matches series without foo.
/// </remarks>
public sealed class LabelMatcher
{
    private readonly Regex? _regex;
    private readonly string? _literal;            // regex equivalent to this literal
    private readonly HashSet<string>? _set;       // regex equivalent to one of these literals
    private readonly string? _prefix;             // regex equivalent to prefix.*
    private readonly RegexShortcut _shortcut;

    private enum RegexShortcut
    {
        None,
        Literal,
        Set,
        Prefix,
        Any,      // .*
        NonEmpty, // .+
    }

    /// <summary>Creates a matcher; throws <see cref="ArgumentException"/> with the regex error for a bad pattern.</summary>
    public LabelMatcher(MatchOp type, string name, string value)
    {
        Type = type;
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Value = value ?? throw new ArgumentNullException(nameof(value));
        if (type is MatchOp.Regexp or MatchOp.NotRegexp)
        {
            _shortcut = Analyze(value, out _literal, out _set, out _prefix);
            if (_shortcut == RegexShortcut.None)
            {
                try
                {
                    // Note: \z, not $: .NET's $ also matches before a final line break, RE2's (Prometheus's) does not.
                    _regex = new Regex("^(?:" + value + ")\\z",
                        RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"invalid regular expression \"{value}\": {e.Message}", nameof(value), e);
                }
                catch (NotSupportedException e)
                {
                    throw new ArgumentException($"invalid regular expression \"{value}\": {e.Message} (RE2 syntax has no backreferences or lookaround)", nameof(value), e);
                }
            }
        }
    }

    /// <summary>Shorthand for an equality matcher.</summary>
    public static LabelMatcher Equal(string name, string value) => new(MatchOp.Equal, name, value);

    /// <summary>Shorthand for <c>__name__="metric"</c>.</summary>
    public static LabelMatcher MetricName(string metric) => new(MatchOp.Equal, LabelSet.MetricName, metric);

    /// <summary>The operator.</summary>
    public MatchOp Type { get; }

    /// <summary>The label name.</summary>
    public string Name { get; }

    /// <summary>The literal value or the regex source.</summary>
    public string Value { get; }

    /// <summary>True when this matcher matches the empty string (so it also selects series lacking the label).</summary>
    public bool MatchesEmpty => Matches(string.Empty);

    /// <summary>For <c>=~</c>/<c>!~</c> matchers equivalent to a finite set of values, those values; else null.</summary>
    public IReadOnlyCollection<string>? SetMatches
        => _shortcut switch
        {
            RegexShortcut.Literal => [_literal!],
            RegexShortcut.Set => _set,
            _ => null,
        };

    /// <summary>For regex matchers of the form <c>prefix.*</c>, the prefix; else null.</summary>
    public string? Prefix => _shortcut == RegexShortcut.Prefix ? _prefix : null;

    /// <summary>Tests a label value (empty for a missing label).</summary>
    public bool Matches(string value)
    {
        switch (Type)
        {
            case MatchOp.Equal:
                return string.Equals(value, Value, StringComparison.Ordinal);
            case MatchOp.NotEqual:
                return !string.Equals(value, Value, StringComparison.Ordinal);
            case MatchOp.Regexp:
                return RegexMatches(value);
            default:
                return !RegexMatches(value);
        }
    }

    private bool RegexMatches(string value) => _shortcut switch
    {
        RegexShortcut.Literal => string.Equals(value, _literal, StringComparison.Ordinal),
        RegexShortcut.Set => _set!.Contains(value),
        RegexShortcut.Prefix => value.StartsWith(_prefix!, StringComparison.Ordinal),
        RegexShortcut.Any => true,
        RegexShortcut.NonEmpty => value.Length != 0,
        _ => _regex!.IsMatch(value),
    };

    /// <summary>PromQL form, e.g. <c>job=~"api|web"</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (LabelValidation.IsValidLegacyLabelName(Name))
        {
            sb.Append(Name);
        }
        else
        {
            LabelSet.AppendQuoted(sb, Name);
        }
        sb.Append(Type switch
        {
            MatchOp.Equal => "=",
            MatchOp.NotEqual => "!=",
            MatchOp.Regexp => "=~",
            _ => "!~",
        });
        LabelSet.AppendQuoted(sb, Value);
        return sb.ToString();
    }

    /// <summary>Detects regexes that are a literal, a literal alternation, a literal prefix with .*, .* or .+.</summary>
    private static RegexShortcut Analyze(string pattern, out string? literal, out HashSet<string>? set, out string? prefix)
    {
        literal = null;
        set = null;
        prefix = null;
        if (pattern == ".*")
        {
            return RegexShortcut.Any;
        }
        if (pattern == ".+")
        {
            return RegexShortcut.NonEmpty;
        }
        if (pattern.EndsWith(".*", StringComparison.Ordinal) && TryLiteral(pattern.AsSpan(0, pattern.Length - 2), out var p) && p.Length > 0)
        {
            prefix = p;
            return RegexShortcut.Prefix;
        }
        // Strip one optional surrounding group: (a|b|c)
        var body = pattern.AsSpan();
        if (body.Length >= 2 && body[0] == '(' && body[^1] == ')' && body[1..^1].IndexOfAny('(', ')') < 0)
        {
            body = body[1..^1];
            if (body.StartsWith("?:"))
            {
                body = body[2..];
            }
        }
        if (body.IndexOf('|') < 0)
        {
            if (TryLiteral(body, out var lit))
            {
                literal = lit;
                return RegexShortcut.Literal;
            }
            return RegexShortcut.None;
        }
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in body.Split('|'))
        {
            if (!TryLiteral(body[range], out var alt))
            {
                return RegexShortcut.None;
            }
            values.Add(alt);
        }
        set = values;
        return RegexShortcut.Set;
    }

    /// <summary>True when <paramref name="s"/> has no regex metacharacters except escaped ones; yields the literal.</summary>
    private static bool TryLiteral(ReadOnlySpan<char> s, out string literal)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\')
            {
                if (i + 1 >= s.Length)
                {
                    literal = string.Empty;
                    return false;
                }
                char n = s[i + 1];
                // Only escaped punctuation is a literal; \d, \w, \s, \b ... are classes.
                if (char.IsLetterOrDigit(n))
                {
                    literal = string.Empty;
                    return false;
                }
                sb.Append(n);
                i++;
                continue;
            }
            if ("^$.|?*+()[]{}".Contains(c, StringComparison.Ordinal))
            {
                literal = string.Empty;
                return false;
            }
            sb.Append(c);
        }
        literal = sb.ToString();
        return true;
    }
}
