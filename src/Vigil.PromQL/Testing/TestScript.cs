using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Core.Labels;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Testing;

/// <summary>A command of a promqltest script.</summary>
internal abstract class ScriptCommand(int line)
{
    /// <summary>1-based line of the command.</summary>
    public int Line { get; } = line;
}

/// <summary><c>clear</c>: start over with an empty storage.</summary>
internal sealed class ClearCommand(int line) : ScriptCommand(line);

/// <summary><c>load &lt;interval&gt;</c> with its series lines.</summary>
internal sealed class LoadCommand(int line, long intervalMs, bool withNhcb) : ScriptCommand(line)
{
    public long IntervalMs { get; } = intervalMs;

    public bool WithNhcb { get; } = withNhcb;

    public List<(int Line, SeriesDescription Series)> Series { get; } = new();

    /// <summary>The <c>name{labels}@st</c> lines: per step, the start timestamp as an offset from the sample's time (ms).</summary>
    public List<(LabelSet Labels, List<long?> Offsets)> StartTimes { get; } = new();
}

/// <summary>An expected annotation (<c>expect warn msg: …</c>).</summary>
internal sealed record AnnotationExpectation(bool Info, string? Message, Regex? Pattern)
{
    public bool Matches(string actual)
        => Message is not null ? actual == Message : Pattern is null || Pattern.IsMatch(actual);
}

/// <summary>An expected result series: its labels, values and 1-based position among the expected lines.</summary>
internal sealed record ExpectedSeries(LabelSet Labels, List<SequenceValue> Values, int Position, int Line);

/// <summary>An <c>eval</c> command with its expectations.</summary>
internal sealed class EvalCommand(int line, string expr) : ScriptCommand(line)
{
    public string Expr { get; } = expr;

    public bool IsRange { get; set; }

    public long Start { get; set; }

    public long End { get; set; }

    public long Step { get; set; }

    public bool Fail { get; set; }

    public string? FailMessage { get; set; }

    public Regex? FailPattern { get; set; }

    public bool Ordered { get; set; }

    public bool WarnAny { get; set; }

    public bool InfoAny { get; set; }

    public bool NoWarn { get; set; }

    public bool NoInfo { get; set; }

    public List<AnnotationExpectation> Annotations { get; } = new();

    public bool RangeVector { get; set; }

    public long RangeFrom { get; set; }

    public long RangeTo { get; set; }

    public long RangeStep { get; set; }

    public string? ExpectedString { get; set; }

    public double? ExpectedScalar { get; set; }

    public Dictionary<LabelSet, ExpectedSeries> Expected { get; } = new();

    /// <summary>The parse error of the expression, when it does not parse (the eval then fails).</summary>
    public string? ParseError { get; set; }
}

/// <summary>Parses promqltest scripts (see shared/testdata/promql/FORMAT.md).</summary>
internal static partial class TestScriptParser
{
    [GeneratedRegex(@"^load(?:_(with_nhcb))?\s+(.+?)$")]
    private static partial Regex LoadRegex();

    [GeneratedRegex(@"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")]
    private static partial Regex InstantRegex();

    [GeneratedRegex(@"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$")]
    private static partial Regex RangeRegex();

    [GeneratedRegex(@"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")]
    private static partial Regex ExpectRegex();

    [GeneratedRegex(@"^expect\s+range\s+vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$")]
    private static partial Regex RangeVectorRegex();

    [GeneratedRegex(@"^expect\s+string\s+(.+)$")]
    private static partial Regex StringRegex();

    /// <summary>Parses a script; throws <see cref="FormatException"/> naming the line for an invalid script.</summary>
    public static List<ScriptCommand> Parse(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].Trim();
            if (lines[i].StartsWith('#'))
            {
                lines[i] = string.Empty;
            }
        }
        var commands = new List<ScriptCommand>();
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i];
            if (l.Length == 0)
            {
                continue;
            }
            string first = l.Split([' ', '\t'], 2)[0].ToLowerInvariant();
            if (first == "clear")
            {
                commands.Add(new ClearCommand(i + 1));
            }
            else if (first.StartsWith("load", StringComparison.Ordinal))
            {
                commands.Add(ParseLoad(lines, ref i));
            }
            else if (first.StartsWith("eval", StringComparison.Ordinal))
            {
                commands.Add(ParseEval(lines, ref i));
            }
            else
            {
                throw new FormatException(Where(i) + "invalid command " + GoText.Quote(l));
            }
        }
        return commands;
    }

    private static string Where(int index) => string.Create(CultureInfo.InvariantCulture, $"line {index + 1}: ");

    private static long Duration(string s, int index)
    {
        s = s.Trim();
        if (!PromDuration.TryParse(s, out long ms, out string err))
        {
            throw new FormatException(Where(index) + err);
        }
        return ms;
    }

    private static LoadCommand ParseLoad(string[] lines, ref int i)
    {
        var m = LoadRegex().Match(lines[i]);
        if (!m.Success)
        {
            throw new FormatException(Where(i) + "invalid load command " + GoText.Quote(lines[i]));
        }
        var cmd = new LoadCommand(i + 1, Duration(m.Groups[2].Value, i), m.Groups[1].Success);
        var byLabels = new Dictionary<LabelSet, int>();
        while (i + 1 < lines.Length && lines[i + 1].Length != 0)
        {
            i++;
            string l = lines[i];
            string head = l.Split([' ', '\t'], 2)[0];
            if (head.EndsWith("@st", StringComparison.Ordinal))
            {
                cmd.StartTimes.Add(ParseStartTimes(l, head.Length, i));
                continue;
            }
            SeriesDescription series;
            try
            {
                series = SeriesDescription.Parse(l);
            }
            catch (FormatException e)
            {
                throw new FormatException(Where(i) + e.Message, e);
            }
            if (byLabels.TryGetValue(series.Labels, out int idx))
            {
                cmd.Series[idx] = (i + 1, series);
            }
            else
            {
                byLabels.Add(series.Labels, cmd.Series.Count);
                cmd.Series.Add((i + 1, series));
            }
        }
        return cmd;
    }

    [GeneratedRegex(@"^([+-]?\d+(?:ms|[smhdwy])?)(?:([+-]\d+(?:ms|[smhdwy])?)?x(\d+))?$")]
    private static partial Regex StartTimeItemRegex();

    /// <summary>
    /// A start-timestamp line: <c>name{labels}@st</c> then items like <c>_</c>, <c>-1m</c>, <c>-30s-1mx2</c> (start, step,
    /// repeats) or <c>-1mx15</c>, each an offset from the sample's own time.
    /// </summary>
    private static (LabelSet Labels, List<long?> Offsets) ParseStartTimes(string line, int headLength, int index)
    {
        string selector = line[..(headLength - "@st".Length)];
        LabelSet labels;
        try
        {
            labels = SeriesDescription.Parse(selector + " 0").Labels;
        }
        catch (FormatException e)
        {
            throw new FormatException(Where(index) + e.Message, e);
        }
        var offsets = new List<long?>();
        foreach (string item in line[headLength..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == "_")
            {
                offsets.Add(null);
                continue;
            }
            var m = StartTimeItemRegex().Match(item);
            if (!m.Success)
            {
                throw new FormatException(Where(index) + "invalid start timestamp " + GoText.Quote(item));
            }
            long start = SignedDuration(m.Groups[1].Value, index);
            long step = m.Groups[2].Success ? SignedDuration(m.Groups[2].Value, index) : 0;
            int repeats = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
            if (repeats > 100_000)
            {
                throw new FormatException(Where(index) + "too many start timestamps in " + GoText.Quote(item));
            }
            for (int k = 0; k <= repeats; k++)
            {
                offsets.Add(start + (k * step));
            }
        }
        return (labels, offsets);
    }

    private static long SignedDuration(string s, int index)
    {
        bool negative = s[0] == '-';
        string body = s.TrimStart('+', '-');
        return (negative ? -1 : 1) * (body.All(char.IsAsciiDigit) ? long.Parse(body, CultureInfo.InvariantCulture) : Duration(body, index));
    }

    private static EvalCommand ParseEval(string[] lines, ref int i)
    {
        string header = lines[i];
        EvalCommand cmd;
        string? modifier;
        var im = InstantRegex().Match(header);
        if (im.Success)
        {
            modifier = im.Groups[1].Success ? im.Groups[1].Value : null;
            cmd = new EvalCommand(i + 1, im.Groups[3].Value);
            long at = im.Groups[2].Success ? Duration(im.Groups[2].Value, i) : 0;
            cmd.Start = at;
            cmd.End = at;
        }
        else
        {
            var rm = RangeRegex().Match(header);
            if (!rm.Success)
            {
                throw new FormatException(Where(i) + "invalid eval command " + GoText.Quote(header));
            }
            modifier = rm.Groups[1].Success ? rm.Groups[1].Value : null;
            cmd = new EvalCommand(i + 1, rm.Groups[5].Value)
            {
                IsRange = true,
                Start = Duration(rm.Groups[2].Value, i),
                End = Duration(rm.Groups[3].Value, i),
                Step = Duration(rm.Groups[4].Value, i),
            };
            if (cmd.End < cmd.Start)
            {
                throw new FormatException(Where(i) + "invalid test definition, end timestamp is before start timestamp");
            }
        }
        switch (modifier)
        {
            case "fail":
                cmd.Fail = true;
                break;
            case "warn":
                cmd.WarnAny = true;
                break;
            case "info":
                cmd.InfoAny = true;
                break;
            case "ordered":
                cmd.Ordered = true;
                break;
        }
        try
        {
            PromQLParser.ParseExpr(cmd.Expr);
        }
        catch (PromQLParseException e)
        {
            cmd.ParseError = e.Message;
        }
        int position = 0;
        while (i + 1 < lines.Length && lines[i + 1].Length != 0)
        {
            i++;
            string l = lines[i];
            if (l.StartsWith("expected_fail_message", StringComparison.Ordinal))
            {
                cmd.FailMessage = l["expected_fail_message".Length..].Trim();
                break;
            }
            if (l.StartsWith("expected_fail_regexp", StringComparison.Ordinal))
            {
                cmd.FailPattern = new Regex(l["expected_fail_regexp".Length..].Trim(), RegexOptions.CultureInvariant);
                break;
            }
            string first = l.Split([' ', '\t'], 2)[0];
            if (first == "expect")
            {
                ParseExpect(cmd, l, i);
                continue;
            }
            if (GoText.TryParseNumber(l, out double scalar))
            {
                cmd.ExpectedScalar = scalar;
                break;
            }
            SeriesDescription series;
            try
            {
                series = SeriesDescription.Parse(l);
            }
            catch (FormatException e)
            {
                throw new FormatException(Where(i) + e.Message, e);
            }
            if (!cmd.IsRange && !cmd.RangeVector && series.Values.Count > 1)
            {
                throw new FormatException(Where(i) + "expecting multiple values in instant evaluation not allowed");
            }
            position++;
            cmd.Expected[series.Labels] = new ExpectedSeries(series.Labels, series.Values, position, i + 1);
        }
        return cmd;
    }

    private static void ParseExpect(EvalCommand cmd, string l, int i)
    {
        var rv = RangeVectorRegex().Match(l);
        if (rv.Success)
        {
            cmd.RangeVector = true;
            cmd.RangeFrom = Duration(rv.Groups[1].Value, i);
            cmd.RangeTo = Duration(rv.Groups[2].Value, i);
            cmd.RangeStep = Duration(rv.Groups[3].Value, i);
            return;
        }
        var sm = StringRegex().Match(l);
        if (sm.Success)
        {
            if (!GoText.TryUnquote(sm.Groups[1].Value.Trim(), out string s, out string err))
            {
                throw new FormatException(Where(i) + "invalid expected string: " + err);
            }
            cmd.ExpectedString = s;
            return;
        }
        var m = ExpectRegex().Match(l);
        if (!m.Success)
        {
            throw new FormatException(Where(i) + "invalid expect statement " + GoText.Quote(l));
        }
        string kind = m.Groups[1].Value;
        string? msg = null;
        Regex? re = null;
        if (m.Groups[2].Success)
        {
            string text = m.Groups[3].Value.Trim();
            if (m.Groups[2].Value == "msg")
            {
                msg = text;
            }
            else
            {
                re = new Regex(text, RegexOptions.CultureInvariant);
            }
        }
        switch (kind)
        {
            case "ordered":
                cmd.Ordered = true;
                break;
            case "fail":
                cmd.Fail = true;
                cmd.FailMessage = msg;
                cmd.FailPattern = re;
                break;
            case "warn":
                cmd.Annotations.Add(new AnnotationExpectation(false, msg, re));
                break;
            case "info":
                cmd.Annotations.Add(new AnnotationExpectation(true, msg, re));
                break;
            case "no_warn":
                cmd.NoWarn = true;
                break;
            case "no_info":
                cmd.NoInfo = true;
                break;
        }
        if ((cmd.NoWarn && cmd.Annotations.Exists(a => !a.Info)) || (cmd.NoInfo && cmd.Annotations.Exists(a => a.Info)))
        {
            throw new FormatException(Where(i) + "invalid expect lines, both expected and not expected annotations of the same kind");
        }
    }
}
