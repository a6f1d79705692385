using Vigil.Core.Labels;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Parser;

// Vector selectors: the metric name and the label matchers in braces.
internal sealed partial class ExprParser
{
    private VectorSelector ParseVectorSelector()
    {
        var first = Peek;
        string name = string.Empty;
        int start = first.Pos;
        int end;
        var matchers = new List<LabelMatcher>();
        if (first.Kind != TokenKind.LeftBrace)
        {
            Next();
            name = first.Text;
            end = first.End;
        }
        else
        {
            end = first.End;
        }
        if (Peek.Kind == TokenKind.LeftBrace)
        {
            Next();
            end = ParseLabelMatchers(matchers);
        }
        if (name.Length != 0)
        {
            matchers.Add(LabelMatcher.MetricName(name));
        }
        return new VectorSelector(name, matchers, new PositionRange(start, end));
    }

    /// <summary>Parses matchers after '{' up to and including '}'; returns the end offset.</summary>
    private int ParseLabelMatchers(List<LabelMatcher> matchers)
    {
        if (Peek.Kind == TokenKind.RightBrace)
        {
            return Next().End;
        }
        while (true)
        {
            var t = Peek;
            if (t.Kind == TokenKind.Identifier || t.Kind == TokenKind.String)
            {
                Next();
                string labelName = t.Kind == TokenKind.String ? Unquote(t) : t.Text;
                var op = Peek;
                if (op.Kind is TokenKind.Eql or TokenKind.Neq or TokenKind.EqlRegex or TokenKind.NeqRegex)
                {
                    Next();
                    var value = Peek;
                    if (value.Kind != TokenKind.String)
                    {
                        Unexpected("label matching", "string");
                    }
                    Next();
                    var type = op.Kind switch
                    {
                        TokenKind.Eql => MatchOp.Equal,
                        TokenKind.Neq => MatchOp.NotEqual,
                        TokenKind.EqlRegex => MatchOp.Regexp,
                        _ => MatchOp.NotRegexp,
                    };
                    matchers.Add(NewMatcher(type, labelName, Unquote(value), new PositionRange(t.Pos, value.End)));
                }
                else if (t.Kind == TokenKind.String)
                {
                    matchers.Add(NewMatcher(MatchOp.Equal, LabelSet.MetricName, labelName, t.Range));
                }
                else
                {
                    Unexpected("label matching", "label matching operator");
                }
            }
            else
            {
                Unexpected("label matching", "identifier or \"}\"");
            }
            if (Peek.Kind == TokenKind.Comma)
            {
                Next();
                if (Peek.Kind == TokenKind.RightBrace)
                {
                    return Next().End;
                }
                continue;
            }
            if (Peek.Kind == TokenKind.RightBrace)
            {
                return Next().End;
            }
            Unexpected("label matching", "\",\" or \"}\"");
        }
    }

    private LabelMatcher NewMatcher(MatchOp type, string name, string value, PositionRange range)
    {
        try
        {
            return new LabelMatcher(type, name, value);
        }
        catch (ArgumentException e)
        {
            Fail(range, "error parsing regexp: " + e.Message);
            return null!;
        }
    }
}
