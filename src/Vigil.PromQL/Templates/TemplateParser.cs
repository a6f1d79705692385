using System.Globalization;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Templates;

/// <summary>
/// Parses the subset of Go's <c>text/template</c> that alert templates use: text, <c>{{ pipeline }}</c> with <c>|</c>,
/// variables (<c>$x := …</c>), fields (<c>.Labels.job</c>, <c>$labels.job</c>), string/number/bool literals, comments,
/// trim markers (<c>{{-</c>, <c>-}}</c>), parentheses, and <c>if</c>/<c>else if</c>/<c>else</c>/<c>range</c>/<c>with</c>/<c>end</c>.
/// </summary>
/// <remarks>Not thread-safe; one instance per parse. Errors are <see cref="TemplateException"/>s naming line:column.</remarks>
internal sealed class TemplateParser
{
    private readonly string _name;
    private readonly string _text;
    private readonly Func<string, bool> _isFunction;
    private int _pos;

    // Action-local token state.
    private string _action = string.Empty;
    private int _actionStart;
    private int _ap;

    private TemplateParser(string name, string text, Func<string, bool> isFunction)
    {
        _name = name;
        _text = text;
        _isFunction = isFunction;
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="isFunction"/> tells which identifiers are functions.</summary>
    public static List<TemplateNode> Parse(string name, string text, Func<string, bool> isFunction)
    {
        var p = new TemplateParser(name, text, isFunction);
        var list = p.ParseList(out string? end, out int endOffset);
        if (end is not null)
        {
            throw p.Error(endOffset, "unexpected {{" + end + "}}");
        }
        return list;
    }

    private TemplateException Error(int offset, string message)
    {
        int line = 1, col = 1;
        for (int i = 0; i < offset && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                col = 1;
            }
            else
            {
                col++;
            }
        }
        return new TemplateException(string.Create(CultureInfo.InvariantCulture, $"template: {_name}:{line}:{col}: {message}"));
    }

    /// <summary>Parses until end of input or a terminating keyword (<c>end</c>, <c>else</c>), returned in <paramref name="terminator"/>.</summary>
    private List<TemplateNode> ParseList(out string? terminator, out int terminatorOffset)
    {
        var nodes = new List<TemplateNode>();
        bool trimNextText = false;
        while (true)
        {
            int open = _text.IndexOf("{{", _pos, StringComparison.Ordinal);
            string literal = open < 0 ? _text[_pos..] : _text[_pos..open];
            bool trimLeft = open >= 0 && open + 2 < _text.Length && _text[open + 2] == '-' && open + 3 < _text.Length && char.IsWhiteSpace(_text[open + 3]);
            if (trimNextText)
            {
                literal = literal.TrimStart(' ', '\t', '\r', '\n');
            }
            if (trimLeft)
            {
                literal = literal.TrimEnd(' ', '\t', '\r', '\n');
            }
            if (literal.Length > 0)
            {
                nodes.Add(new TextNode(_pos, literal));
            }
            if (open < 0)
            {
                _pos = _text.Length;
                terminator = null;
                terminatorOffset = _pos;
                return nodes;
            }
            int bodyStart = open + (trimLeft ? 3 : 2);
            int close = FindClose(bodyStart, open);
            bool trimRight = close - 2 >= bodyStart && _text[close - 1] == '-' && char.IsWhiteSpace(_text[close - 2]);
            int bodyEnd = trimRight ? close - 1 : close;
            _pos = close + 2;
            trimNextText = trimRight;
            _action = _text[bodyStart..bodyEnd];
            _actionStart = bodyStart;
            _ap = 0;
            SkipSpace();
            if (AtEnd())
            {
                throw Error(open, "missing value for command");
            }
            if (_action.AsSpan(_ap).StartsWith("/*"))
            {
                if (!_action.TrimEnd().EndsWith("*/", StringComparison.Ordinal))
                {
                    throw Error(open, "unclosed comment");
                }
                continue;
            }
            string? keyword = PeekKeyword();
            switch (keyword)
            {
                case "end":
                    _ap += 3;
                    ExpectActionEnd();
                    terminator = "end";
                    terminatorOffset = open;
                    return nodes;
                case "else":
                    _ap += 4;
                    terminator = "else";
                    terminatorOffset = open;
                    return nodes;
                case "if":
                case "range":
                case "with":
                    _ap += keyword.Length;
                    nodes.Add(ParseBlock(open, keyword));
                    break;
                default:
                    var pipe = ParsePipeline(allowDecl: true);
                    ExpectActionEnd();
                    nodes.Add(new ActionNode(open, pipe));
                    break;
            }
        }
    }

    private BlockNode ParseBlock(int open, string keyword)
    {
        var kind = keyword switch
        {
            "if" => BlockKind.If,
            "range" => BlockKind.Range,
            _ => BlockKind.With,
        };
        var pipe = ParsePipeline(allowDecl: true);
        if (pipe.Commands.Count == 0)
        {
            throw Error(open, "missing value for " + keyword);
        }
        ExpectActionEnd();
        var body = ParseList(out string? term, out int termOffset);
        if (term is null)
        {
            throw Error(open, "unexpected EOF");
        }
        List<TemplateNode>? elseBody = null;
        if (term == "else")
        {
            SkipSpace();
            string? next = PeekKeyword();
            if (next is "if" && kind == BlockKind.If)
            {
                // Note: {{else if x}} is sugar for {{else}}{{if x}}…{{end}} sharing the outer {{end}}.
                _ap += 2;
                elseBody = [ParseBlock(termOffset, "if")];
                return new BlockNode(open, kind, pipe, body, elseBody);
            }
            ExpectActionEnd();
            elseBody = ParseList(out term, out termOffset);
            if (term != "end")
            {
                throw Error(termOffset, term is null ? "unexpected EOF" : "expected end; found {{" + term + "}}");
            }
        }
        return new BlockNode(open, kind, pipe, body, elseBody);
    }

    private int FindClose(int from, int open)
    {
        int i = from;
        while (i < _text.Length)
        {
            char c = _text[i];
            if (c is '"' or '`' or '\'')
            {
                int j = i + 1;
                while (j < _text.Length && _text[j] != c)
                {
                    if (_text[j] == '\\' && c != '`')
                    {
                        j++;
                    }
                    if (c != '`' && j < _text.Length && _text[j] == '\n')
                    {
                        throw Error(i, "unterminated quoted string");
                    }
                    j++;
                }
                if (j >= _text.Length)
                {
                    throw Error(i, "unterminated quoted string");
                }
                i = j + 1;
                continue;
            }
            if (c == '}' && i + 1 < _text.Length && _text[i + 1] == '}')
            {
                return i;
            }
            i++;
        }
        throw Error(open, "unclosed action");
    }

    private bool AtEnd() => _ap >= _action.Length;

    private void SkipSpace()
    {
        while (_ap < _action.Length && char.IsWhiteSpace(_action[_ap]))
        {
            _ap++;
        }
    }

    private string? PeekKeyword()
    {
        foreach (string k in (ReadOnlySpan<string>)["end", "else", "if", "range", "with"])
        {
            if (_action.AsSpan(_ap).StartsWith(k, StringComparison.Ordinal)
                && (_ap + k.Length == _action.Length || !IsIdentChar(_action[_ap + k.Length])))
            {
                return k;
            }
        }
        return null;
    }

    private void ExpectActionEnd()
    {
        SkipSpace();
        if (!AtEnd())
        {
            throw Error(_actionStart + _ap, "unexpected " + Quote(_action[_ap..]) + " in command");
        }
    }

    private static string Quote(string s) => GoText.Quote(s.Length > 20 ? s[..20] : s);

    private static bool IsIdentChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private PipelineNode ParsePipeline(bool allowDecl)
    {
        SkipSpace();
        int start = _actionStart + _ap;
        var vars = new List<string>();
        bool isAssign = false;
        if (allowDecl && _ap < _action.Length && _action[_ap] == '$')
        {
            int save = _ap;
            var names = new List<string>();
            while (true)
            {
                if (_ap >= _action.Length || _action[_ap] != '$')
                {
                    break;
                }
                int ns = _ap;
                _ap++;
                while (_ap < _action.Length && IsIdentChar(_action[_ap]))
                {
                    _ap++;
                }
                names.Add(_action[ns.._ap]);
                SkipSpace();
                if (_ap < _action.Length && _action[_ap] == ',' && names.Count == 1)
                {
                    _ap++;
                    SkipSpace();
                    continue;
                }
                break;
            }
            if (_action.AsSpan(_ap).StartsWith(":="))
            {
                _ap += 2;
                vars = names;
            }
            else if (_ap < _action.Length && _action[_ap] == '=' && !_action.AsSpan(_ap).StartsWith("=="))
            {
                _ap += 1;
                vars = names;
                isAssign = true;
            }
            else
            {
                _ap = save;
            }
        }
        var commands = new List<CommandNode>();
        while (true)
        {
            SkipSpace();
            if (AtEnd() || _action[_ap] == ')')
            {
                break;
            }
            var cmd = ParseCommand();
            commands.Add(cmd);
            SkipSpace();
            if (!AtEnd() && _action[_ap] == '|')
            {
                _ap++;
                SkipSpace();
                if (AtEnd() || _action[_ap] is '|' or ')')
                {
                    throw Error(_actionStart + _ap, "missing command after |");
                }
                continue;
            }
            break;
        }
        if (commands.Count == 0 && vars.Count > 0)
        {
            throw Error(start, "missing value for command");
        }
        return new PipelineNode(start, vars, isAssign, commands);
    }

    private CommandNode ParseCommand()
    {
        int start = _actionStart + _ap;
        var args = new List<TemplateNode>();
        while (true)
        {
            SkipSpace();
            if (AtEnd() || _action[_ap] is '|' or ')')
            {
                break;
            }
            args.Add(ParseOperand());
        }
        if (args.Count == 0)
        {
            throw Error(start, "empty command");
        }
        return new CommandNode(start, args);
    }

    private TemplateNode ParseOperand()
    {
        int start = _actionStart + _ap;
        char c = _action[_ap];
        if (c == '(')
        {
            _ap++;
            var inner = ParsePipeline(allowDecl: false);
            SkipSpace();
            if (AtEnd() || _action[_ap] != ')')
            {
                throw Error(start, "unclosed left paren");
            }
            _ap++;
            return new SubPipelineNode(start, inner, ReadChain());
        }
        if (c == '.')
        {
            if (_ap + 1 >= _action.Length || !IsIdentChar(_action[_ap + 1]))
            {
                _ap++;
                return new FieldNode(start, []);
            }
            return new FieldNode(start, ReadChain());
        }
        if (c == '$')
        {
            int ns = _ap;
            _ap++;
            while (_ap < _action.Length && IsIdentChar(_action[_ap]))
            {
                _ap++;
            }
            string name = _action[ns.._ap];
            return new VariableNode(start, name, ReadChain());
        }
        if (c is '"' or '`')
        {
            int s = _ap;
            _ap++;
            while (_action[_ap] != c)
            {
                if (_action[_ap] == '\\' && c == '"')
                {
                    _ap++;
                }
                _ap++;
            }
            _ap++;
            string lit = _action[s.._ap];
            if (!GoText.TryUnquote(lit, out string value, out string err))
            {
                throw Error(start, "bad string " + lit + ": " + err);
            }
            return new LiteralNode(start, value);
        }
        if (c == '\'')
        {
            throw Error(start, "character constants are not supported");
        }
        if (char.IsDigit(c) || ((c is '-' or '+' or '.') && _ap + 1 < _action.Length && char.IsDigit(_action[_ap + 1])))
        {
            int s = _ap;
            _ap++;
            while (_ap < _action.Length && (char.IsLetterOrDigit(_action[_ap]) || _action[_ap] is '.' or '_'
                || (_action[_ap] is '+' or '-' && _action[_ap - 1] is 'e' or 'E')))
            {
                _ap++;
            }
            string num = _action[s.._ap];
            return new LiteralNode(start, ParseNumber(num, start));
        }
        if (char.IsLetter(c) || c == '_')
        {
            int s = _ap;
            while (_ap < _action.Length && IsIdentChar(_action[_ap]))
            {
                _ap++;
            }
            string word = _action[s.._ap];
            switch (word)
            {
                case "true":
                    return new LiteralNode(start, true);
                case "false":
                    return new LiteralNode(start, false);
                case "nil":
                    return new LiteralNode(start, null);
            }
            if (!_isFunction(word))
            {
                throw Error(start, "function " + GoText.Quote(word) + " not defined");
            }
            return new IdentifierNode(start, word);
        }
        throw Error(start, "unexpected " + Quote(c.ToString()) + " in operand");
    }

    private string[] ReadChain()
    {
        List<string>? chain = null;
        while (_ap < _action.Length && _action[_ap] == '.' && _ap + 1 < _action.Length && IsIdentChar(_action[_ap + 1]))
        {
            _ap++;
            int s = _ap;
            while (_ap < _action.Length && IsIdentChar(_action[_ap]))
            {
                _ap++;
            }
            (chain ??= new List<string>()).Add(_action[s.._ap]);
        }
        return chain is null ? [] : [.. chain];
    }

    private object ParseNumber(string text, int offset)
    {
        string t = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
        {
            return l;
        }
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
        {
            return hex;
        }
        if (GoText.TryParseGoFloat(t, out double d))
        {
            return d;
        }
        throw Error(offset, "bad number syntax: " + GoText.Quote(text));
    }
}
