using System.Globalization;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Server.Api;

/// <summary>
/// Parses PromQL series selectors such as <c>http_requests_total{job="api", code=~"5.."}</c> into label matchers.
/// </summary>
/// <remarks>
/// Accepts the vector-selector syntax of PromQL 3 without range, offset or <c>@</c>: an optional metric name,
/// then optional braces with comma-separated matchers (<c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>) and an optional
/// trailing comma. Label names may be quoted to allow any UTF-8 (<c>{"my.label"="x"}</c>); a lone quoted string in the
/// braces is the metric name (<c>{"my.metric"}</c>). Strings use double quotes, single quotes (both with Go escapes:
/// <c>\n \t \\ \" \xHH \NNN \uHHHH \UHHHHHHHH</c>…) or backticks (raw). <c>#</c> starts a comment to the end of the line.
/// At least one matcher must not match the empty string. Errors carry the position (<see cref="SelectorParseException"/>).
/// Unlike the full PromQL parser, a bare metric name that happens to be a PromQL keyword (<c>sum</c>, <c>by</c>) is accepted.
/// Thread-safe (stateless).
/// </remarks>
public static class SeriesSelectorParser
{
    /// <summary>Parses one selector; throws <see cref="SelectorParseException"/> naming line, column and problem.</summary>
    public static LabelMatcher[] Parse(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var p = new Parser(input);
        return p.ParseSelector();
    }

    /// <summary>Parses one selector; returns false with the error message when it is invalid.</summary>
    public static bool TryParse(string input, out LabelMatcher[] matchers, out string error)
    {
        try
        {
            matchers = Parse(input);
            error = string.Empty;
            return true;
        }
        catch (SelectorParseException e)
        {
            matchers = [];
            error = e.Message;
            return false;
        }
    }

    private struct Parser(string input)
    {
        private readonly string _s = input;
        private int _pos;

        public LabelMatcher[] ParseSelector()
        {
            var matchers = new List<LabelMatcher>(4);
            string? metricName = null;
            SkipSpace();
            if (_pos >= _s.Length)
            {
                throw Error(_pos, "unexpected end of input: expected a metric name or '{'");
            }
            char c = _s[_pos];
            if (IsMetricNameStart(c))
            {
                metricName = ReadIdentifier(allowColon: true);
                matchers.Add(LabelMatcher.MetricName(metricName));
            }
            else if (c != '{')
            {
                throw Error(_pos, $"unexpected character {Describe(c)}: expected a metric name or '{{'");
            }
            SkipSpace();
            if (_pos < _s.Length && _s[_pos] == '{')
            {
                ParseBraces(matchers, metricName);
                SkipSpace();
            }
            if (_pos < _s.Length)
            {
                throw Error(_pos, $"unexpected character {Describe(_s[_pos])} after the selector (only a metric name and {{...}} are allowed here)");
            }
            foreach (var m in matchers)
            {
                if (!m.MatchesEmpty)
                {
                    return [.. matchers];
                }
            }
            throw Error(0, "vector selector must contain at least one non-empty matcher");
        }

        private void ParseBraces(List<LabelMatcher> matchers, string? outsideName)
        {
            int open = _pos;
            _pos++; // '{'
            while (true)
            {
                SkipSpace();
                if (_pos >= _s.Length)
                {
                    throw Error(_pos, $"unexpected end of input inside braces (opened at column {open + 1})");
                }
                char c = _s[_pos];
                if (c == '}')
                {
                    _pos++;
                    return;
                }
                int namePos = _pos;
                string name;
                bool quotedName = false;
                if (c is '"' or '\'' or '`')
                {
                    name = ReadString();
                    quotedName = true;
                }
                else if (IsLabelNameStart(c))
                {
                    name = ReadIdentifier(allowColon: false);
                }
                else
                {
                    throw Error(_pos, $"unexpected character inside braces: {Describe(c)}: expected a label name");
                }
                SkipSpace();
                if (quotedName && (_pos >= _s.Length || _s[_pos] is ',' or '}'))
                {
                    // A lone quoted string is the metric name: {"my.metric", job="x"}.
                    ValidateName(name, namePos, "metric name");
                    CheckNameNotSetTwice(outsideName, LabelSet.MetricName, name, namePos);
                    matchers.Add(LabelMatcher.MetricName(name));
                }
                else
                {
                    if (!quotedName && _pos < _s.Length && _s[_pos] == ':')
                    {
                        throw Error(_pos, "unexpected character inside braces: ':' (label names cannot contain ':'; quote the name)");
                    }
                    ValidateName(name, namePos, "label name");
                    var op = ReadOperator();
                    SkipSpace();
                    if (_pos >= _s.Length)
                    {
                        throw Error(_pos, $"unexpected end of input inside braces: expected a quoted value after {OpText(op)}");
                    }
                    if (_s[_pos] is not ('"' or '\'' or '`'))
                    {
                        throw Error(_pos, $"unexpected character {Describe(_s[_pos])} after {OpText(op)}: label values must be quoted strings");
                    }
                    int valuePos = _pos;
                    string value = ReadString();
                    CheckNameNotSetTwice(outsideName, name, value, namePos);
                    try
                    {
                        matchers.Add(new LabelMatcher(op, name, value));
                    }
                    catch (ArgumentException e)
                    {
                        throw Error(valuePos, e.Message);
                    }
                }
                SkipSpace();
                if (_pos >= _s.Length)
                {
                    throw Error(_pos, $"unexpected end of input inside braces (opened at column {open + 1})");
                }
                c = _s[_pos];
                if (c == ',')
                {
                    _pos++;
                    continue;
                }
                if (c == '}')
                {
                    _pos++;
                    return;
                }
                throw Error(_pos, $"unexpected character inside braces: {Describe(c)}: expected ',' or '}}'");
            }
        }

        private readonly void CheckNameNotSetTwice(string? outsideName, string label, string value, int pos)
        {
            if (outsideName is not null && label == LabelSet.MetricName)
            {
                throw Error(pos, $"metric name must not be set twice: \"{outsideName}\" or \"{value}\"");
            }
        }

        private MatchOp ReadOperator()
        {
            if (_pos >= _s.Length)
            {
                throw Error(_pos, "unexpected end of input inside braces: expected one of '=', '!=', '=~', '!~'");
            }
            char c = _s[_pos];
            char n = _pos + 1 < _s.Length ? _s[_pos + 1] : '\0';
            if (c == '=')
            {
                if (n == '=')
                {
                    throw Error(_pos, "unexpected '==' inside braces: use '=' for equality");
                }
                _pos += n == '~' ? 2 : 1;
                return n == '~' ? MatchOp.Regexp : MatchOp.Equal;
            }
            if (c == '!' && n is '=' or '~')
            {
                _pos += 2;
                return n == '=' ? MatchOp.NotEqual : MatchOp.NotRegexp;
            }
            throw Error(_pos, $"unexpected character inside braces: {Describe(c)}: expected one of '=', '!=', '=~', '!~'");
        }

        private string ReadIdentifier(bool allowColon)
        {
            int start = _pos;
            while (_pos < _s.Length)
            {
                char c = _s[_pos];
                if (IsAsciiLetter(c) || c == '_' || (c >= '0' && c <= '9') || (allowColon && c == ':'))
                {
                    _pos++;
                }
                else
                {
                    break;
                }
            }
            return _s[start.._pos];
        }

        private string ReadString()
        {
            int start = _pos;
            char quote = _s[_pos++];
            if (quote == '`')
            {
                int end = _s.IndexOf('`', _pos);
                if (end < 0)
                {
                    throw Error(start, "unterminated raw string");
                }
                string raw = _s[_pos..end];
                _pos = end + 1;
                return raw;
            }
            StringBuilder? sb = null;
            byte[]? bytes = null;
            int byteCount = 0;
            while (true)
            {
                if (_pos >= _s.Length)
                {
                    throw Error(start, "unterminated quoted string");
                }
                char c = _s[_pos];
                if (c == quote)
                {
                    _pos++;
                    if (sb is null)
                    {
                        return _s[(start + 1)..(_pos - 1)];
                    }
                    FlushBytes(sb, bytes, ref byteCount, start);
                    return sb.ToString();
                }
                if (c == '\n')
                {
                    throw Error(start, "unterminated quoted string (newline before the closing quote)");
                }
                if (c != '\\')
                {
                    if (sb is not null)
                    {
                        FlushBytes(sb, bytes, ref byteCount, start);
                        sb.Append(c);
                    }
                    _pos++;
                    continue;
                }
                if (sb is null)
                {
                    sb = new StringBuilder(_pos - start + 16);
                    sb.Append(_s, start + 1, _pos - start - 1);
                }
                int escPos = _pos;
                _pos++;
                if (_pos >= _s.Length)
                {
                    throw Error(escPos, "escape sequence not terminated");
                }
                char e = _s[_pos++];
                if (e == 'x' || (e >= '0' && e <= '7'))
                {
                    // Note: \xHH and \NNN denote single bytes; consecutive ones form UTF-8 sequences ("\xe2\x82\xac" is "€").
                    int b = e == 'x' ? ReadNumber(16, 2, escPos) : ReadOctal(e, escPos);
                    if (b > 255)
                    {
                        throw Error(escPos, "octal escape value > 255");
                    }
                    bytes ??= new byte[8];
                    if (byteCount == bytes.Length)
                    {
                        Array.Resize(ref bytes, bytes.Length * 2);
                    }
                    bytes[byteCount++] = (byte)b;
                    continue;
                }
                FlushBytes(sb, bytes, ref byteCount, start);
                switch (e)
                {
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'v': sb.Append('\v'); break;
                    case '\\': sb.Append('\\'); break;
                    case 'u':
                    case 'U':
                        int cp = ReadNumber(16, e == 'u' ? 4 : 8, escPos);
                        if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
                        {
                            throw Error(escPos, "escape sequence is an invalid Unicode code point");
                        }
                        sb.Append(char.ConvertFromUtf32(cp));
                        break;
                    default:
                        if (e != quote)
                        {
                            throw Error(escPos, $"unknown escape sequence {GoRune(e)}");
                        }
                        sb.Append(e);
                        break;
                }
            }
        }

        private readonly void FlushBytes(StringBuilder sb, byte[]? bytes, ref int count, int stringStart)
        {
            if (count == 0)
            {
                return;
            }
            var span = bytes.AsSpan(0, count);
            if (!LabelValidation.IsValidUtf8(span))
            {
                throw Error(stringStart, "invalid UTF-8 in string (\\x and octal escapes must form valid UTF-8)");
            }
            sb.Append(Encoding.UTF8.GetString(span));
            count = 0;
        }

        private int ReadOctal(char first, int escPos)
        {
            int v = first - '0';
            for (int i = 0; i < 2; i++)
            {
                if (_pos >= _s.Length || _s[_pos] < '0' || _s[_pos] > '7')
                {
                    throw Error(escPos, "illegal character in octal escape sequence: three octal digits are required");
                }
                v = (v * 8) + (_s[_pos++] - '0');
            }
            return v;
        }

        private int ReadNumber(int radix, int digits, int escPos)
        {
            int v = 0;
            for (int i = 0; i < digits; i++)
            {
                if (_pos >= _s.Length)
                {
                    throw Error(escPos, "escape sequence not terminated");
                }
                int d = HexValue(_s[_pos]);
                if (d < 0 || d >= radix)
                {
                    throw Error(_pos, $"illegal character {GoRune(_s[_pos])} in escape sequence");
                }
                v = (v * radix) + d;
                _pos++;
            }
            return v;
        }

        private void SkipSpace()
        {
            while (_pos < _s.Length)
            {
                char c = _s[_pos];
                if (c is ' ' or '\t' or '\n' or '\r')
                {
                    _pos++;
                }
                else if (c == '#')
                {
                    int nl = _s.IndexOf('\n', _pos);
                    _pos = nl < 0 ? _s.Length : nl + 1;
                }
                else
                {
                    return;
                }
            }
        }

        private readonly void ValidateName(string name, int pos, string what)
        {
            if (name.Length == 0)
            {
                throw Error(pos, $"empty {what}");
            }
            if (!LabelValidation.IsValidUtf8(name))
            {
                throw Error(pos, $"invalid UTF-8 in {what}");
            }
        }

        private readonly SelectorParseException Error(int offset, string detail) => new(_s, offset, detail);

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        private static bool IsMetricNameStart(char c) => IsAsciiLetter(c) || c == '_' || c == ':';

        private static bool IsLabelNameStart(char c) => IsAsciiLetter(c) || c == '_';

        private static int HexValue(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };

        private static string OpText(MatchOp op) => op switch
        {
            MatchOp.Equal => "'='",
            MatchOp.NotEqual => "'!='",
            MatchOp.Regexp => "'=~'",
            _ => "'!~'",
        };

        private static string Describe(char c) => c < 0x20 || char.IsSurrogate(c) ? GoRune(c) : $"'{c}'";

        private static string GoRune(char c)
            => string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}") + (c < 0x20 || char.IsSurrogate(c) ? string.Empty : $" '{c}'");
    }
}
