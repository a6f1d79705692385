using System.Globalization;

namespace Vigil.PromQL.Parser;

/// <summary>One lexical token: its kind, start offset and source text (for errors, the message).</summary>
internal readonly record struct Token(TokenKind Kind, int Pos, string Text)
{
    public int End => Pos + Text.Length;

    public PositionRange Range => new(Pos, End);

    /// <summary>The description Prometheus uses after "unexpected " in parse errors.</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case TokenKind.Eof:
                return "end of input";
            case TokenKind.Error:
                return Text;
            case TokenKind.Identifier:
                return "identifier " + GoText.Quote(Text);
            case TokenKind.MetricIdentifier:
                return "metric identifier " + GoText.Quote(Text);
            case TokenKind.Number:
                return "number " + Short(Text);
            case TokenKind.Duration:
                return "duration " + Short(Text);
            case TokenKind.String:
                return "string " + Short(Text);
            case TokenKind.Comment:
                return "comment " + Short(Text);
        }
        if (Kind.IsKeyword() || Kind.IsPreprocessor())
        {
            return "<" + Text + ">";
        }
        if (Kind.IsOperator())
        {
            return "<op:" + Text + ">";
        }
        if (Kind.IsAggregator())
        {
            return "<aggr:" + Text + ">";
        }
        return Short(Text);
    }

    private static string Short(string s)
    {
        if (s.Length > 10)
        {
            return GoText.Quote(s[..10]) + "...";
        }
        return GoText.Quote(s);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}@{Pos}:{Text}");
}
