using System.Globalization;
using System.Text;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Testing;

/// <summary>One slot of a series description: a float, an omitted slot (<c>_</c>) or a native histogram literal.</summary>
/// <param name="Value">The float value (StaleNaN for <c>stale</c>).</param>
/// <param name="Omitted">True for <c>_</c>.</param>
/// <param name="H">The native histogram of a <c>{{...}}</c> slot, or null.</param>
/// <param name="HintGiven">True when the histogram literal states its counter-reset hint (results are then checked for it).</param>
public readonly record struct SequenceValue(double Value, bool Omitted, FloatHistogram? H = null, bool HintGiven = false)
{
    /// <summary>True for a <c>{{...}}</c> histogram slot.</summary>
    public bool Histogram => H is not null;
}

/// <summary>
/// A promqltest series description: <c>metric{labels} 1 2 _ 3+1x4 stale {{…}}</c>, parsed as Prometheus's
/// series-description grammar does (repeated-addition expansion, Go number syntax without hex).
/// </summary>
public sealed class SeriesDescription
{
    private SeriesDescription(LabelSet labels, List<SequenceValue> values)
    {
        Labels = labels;
        Values = values;
    }

    /// <summary>The series' labels.</summary>
    public LabelSet Labels { get; }

    /// <summary>The expanded values, one per step.</summary>
    public List<SequenceValue> Values { get; }

    /// <summary>True when a value is a native histogram literal.</summary>
    public bool HasHistogram => Values.Exists(v => v.Histogram);

    /// <summary>Parses a description; throws <see cref="FormatException"/> with a message naming the problem.</summary>
    public static SeriesDescription Parse(string line)
    {
        int pos = 0;
        var labels = ParseMetric(line, ref pos);
        var values = new List<SequenceValue>();
        while (true)
        {
            while (pos < line.Length && char.IsWhiteSpace(line[pos]))
            {
                pos++;
            }
            if (pos >= line.Length)
            {
                break;
            }
            string item = ReadItem(line, ref pos);
            ExpandItem(item, values);
        }
        return new SeriesDescription(labels, values);
    }

    /// <summary>Parses just a metric with labels (the part before the values), from <paramref name="pos"/>.</summary>
    public static LabelSet ParseMetric(string line, ref int pos)
    {
        var b = new LabelSetBuilder();
        int start = pos;
        while (pos < line.Length && (char.IsAsciiLetterOrDigit(line[pos]) || line[pos] is '_' or ':'))
        {
            pos++;
        }
        if (pos > start)
        {
            b.Set(LabelSet.MetricName, line[start..pos]);
        }
        if (pos < line.Length && line[pos] == '{')
        {
            pos++;
            while (true)
            {
                SkipSpaces(line, ref pos);
                if (pos >= line.Length)
                {
                    throw new FormatException("unexpected end of input inside braces");
                }
                if (line[pos] == '}')
                {
                    pos++;
                    break;
                }
                string name;
                bool quotedName = false;
                if (line[pos] is '"' or '\'' or '`')
                {
                    name = ReadQuoted(line, ref pos);
                    quotedName = true;
                }
                else
                {
                    int ns = pos;
                    while (pos < line.Length && (char.IsAsciiLetterOrDigit(line[pos]) || line[pos] == '_'))
                    {
                        pos++;
                    }
                    if (pos == ns)
                    {
                        throw new FormatException("unexpected character inside braces: " + GoText.Quote(line[pos].ToString()));
                    }
                    name = line[ns..pos];
                }
                SkipSpaces(line, ref pos);
                if (pos < line.Length && line[pos] == '=')
                {
                    pos++;
                    SkipSpaces(line, ref pos);
                    if (pos >= line.Length || line[pos] is not ('"' or '\'' or '`'))
                    {
                        throw new FormatException("unexpected value in label set, expected string");
                    }
                    b.Set(name, ReadQuoted(line, ref pos));
                }
                else if (quotedName)
                {
                    b.Set(LabelSet.MetricName, name);
                }
                else
                {
                    throw new FormatException("unexpected label " + GoText.Quote(name) + " in label set, expected \"=\"");
                }
                SkipSpaces(line, ref pos);
                if (pos < line.Length && line[pos] == ',')
                {
                    pos++;
                }
            }
        }
        if (pos == start)
        {
            throw new FormatException("missing metric name or label set");
        }
        return b.Build();
    }

    private static void SkipSpaces(string line, ref int pos)
    {
        while (pos < line.Length && char.IsWhiteSpace(line[pos]))
        {
            pos++;
        }
    }

    private static string ReadQuoted(string line, ref int pos)
    {
        char q = line[pos];
        int start = pos++;
        while (pos < line.Length && line[pos] != q)
        {
            if (line[pos] == '\\' && q != '`')
            {
                pos++;
            }
            pos++;
        }
        if (pos >= line.Length)
        {
            throw new FormatException("unterminated quoted string");
        }
        pos++;
        string literal = line[start..pos];
        if (!GoText.TryUnquote(literal, out string value, out string err))
        {
            throw new FormatException("error unquoting string " + literal + ": " + err);
        }
        return value;
    }

    /// <summary>Reads one whitespace-separated value item; spaces inside <c>{{…}}</c> belong to the item.</summary>
    private static string ReadItem(string line, ref int pos)
    {
        var sb = new StringBuilder();
        while (pos < line.Length)
        {
            if (line[pos] == '{' && pos + 1 < line.Length && line[pos + 1] == '{')
            {
                int close = line.IndexOf("}}", pos + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new FormatException("unterminated histogram description");
                }
                sb.Append(line, pos, close + 2 - pos);
                pos = close + 2;
                continue;
            }
            if (char.IsWhiteSpace(line[pos]))
            {
                break;
            }
            sb.Append(line[pos++]);
        }
        return sb.ToString();
    }

    private static void ExpandItem(string item, List<SequenceValue> values)
    {
        if (item.StartsWith("{{", StringComparison.Ordinal))
        {
            ExpandHistogramItem(item, values);
            return;
        }
        if (item == "_")
        {
            values.Add(new SequenceValue(0, true));
            return;
        }
        if (item.StartsWith("_x", StringComparison.Ordinal))
        {
            uint n = ParseTimes(item[2..], item);
            for (uint i = 0; i < n; i++)
            {
                values.Add(new SequenceValue(0, true));
            }
            return;
        }
        if (item.Equals("stale", StringComparison.Ordinal))
        {
            values.Add(new SequenceValue(StaleMarker.StaleNaN, false));
            return;
        }
        int x = item.IndexOf('x', StringComparison.Ordinal);
        if (x < 0)
        {
            values.Add(new SequenceValue(ParseValue(item), false));
            return;
        }
        uint times = ParseTimes(item[(x + 1)..], item);
        string body = item[..x];
        int op = -1;
        for (int i = 1; i < body.Length; i++)
        {
            if (body[i] is '+' or '-' && body[i - 1] is not ('e' or 'E'))
            {
                op = i;
                break;
            }
        }
        double start = ParseValue(op < 0 ? body : body[..op]);
        double inc = op < 0 ? 0 : ParseValue(body[op..]);
        for (uint i = 0; i <= times; i++)
        {
            values.Add(new SequenceValue(start, false));
            start += inc;
        }
    }

    /// <summary><c>{{A}}</c>, <c>{{A}}xN</c> (N+1 copies) or <c>{{A}}+{{B}}xN</c> / <c>{{A}}-{{B}}xN</c> (A, A±B, A±2B, …).</summary>
    private static void ExpandHistogramItem(string item, List<SequenceValue> values)
    {
        int close = item.IndexOf("}}", StringComparison.Ordinal);
        if (close < 0)
        {
            throw new FormatException("unterminated histogram description " + GoText.Quote(item));
        }
        var start = HistogramLiteral.Parse(item[2..close], out bool hintGiven);
        string rest = item[(close + 2)..];
        FloatHistogram? inc = null;
        bool subtract = false;
        if (rest.Length > 0 && rest[0] is '+' or '-')
        {
            subtract = rest[0] == '-';
            if (!rest.AsSpan(1).StartsWith("{{", StringComparison.Ordinal))
            {
                throw new FormatException("invalid histogram increment " + GoText.Quote(item));
            }
            int close2 = rest.IndexOf("}}", 3, StringComparison.Ordinal);
            if (close2 < 0)
            {
                throw new FormatException("unterminated histogram description " + GoText.Quote(item));
            }
            inc = HistogramLiteral.Parse(rest[3..close2], out _);
            rest = rest[(close2 + 2)..];
        }
        uint times = 0;
        if (rest.Length > 0)
        {
            if (rest[0] != 'x')
            {
                throw new FormatException("invalid histogram repetition " + GoText.Quote(item));
            }
            times = ParseTimes(rest[1..], item);
        }
        else if (inc is not null)
        {
            throw new FormatException("histogram increment without repetition " + GoText.Quote(item));
        }
        var cur = start;
        for (uint i = 0; i <= times; i++)
        {
            values.Add(new SequenceValue(0, false, cur, hintGiven));
            if (inc is not null && i < times)
            {
                if (cur.Schema > inc.Schema && !cur.UsesCustomBuckets)
                {
                    throw new FormatException("error combining histograms: cannot merge from schema " + cur.Schema.ToString(CultureInfo.InvariantCulture)
                        + " to " + inc.Schema.ToString(CultureInfo.InvariantCulture));
                }
                if (!FloatHistogram.TryAdd(cur, inc, subtract, out var next, out _))
                {
                    throw new FormatException("cannot combine exponential and custom-bucket histograms in " + GoText.Quote(item));
                }
                cur = next;
            }
        }
    }

    private static uint ParseTimes(string s, string item)
        => uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint n)
            ? n
            : throw new FormatException("invalid repetition in series values: " + GoText.Quote(item));

    private static double ParseValue(string s)
    {
        string body = s.TrimStart('+', '-');
        bool neg = s.Length > 0 && s[0] == '-';
        if (body.Equals("stale", StringComparison.Ordinal))
        {
            throw new FormatException("stale cannot be combined with x; write stale stale");
        }
        if (body.Length > 1 && body[0] == '0' && body[1] is 'x' or 'X')
        {
            throw new FormatException("bad number syntax: " + GoText.Quote(s));
        }
        if (!GoText.TryParseNumber(body, out double v))
        {
            if (PromDuration.TryParse(body, out long ms, out _))
            {
                v = ms / 1000.0;
            }
            else
            {
                throw new FormatException("invalid number " + GoText.Quote(s) + " in series values");
            }
        }
        return neg ? -v : v;
    }
}
