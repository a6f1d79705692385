using System.Collections;
using System.Globalization;
using System.Text;

namespace Vigil.PromQL.Templates;

/// <summary>Executes parsed template nodes against a data object; Go's semantics for truth, fields and pipelines.</summary>
/// <remarks>Not thread-safe; one instance per execution. Map fields missing a key yield "" (Prometheus's <c>missingkey=zero</c>).</remarks>
internal sealed class TemplateExecutor
{
    private const int MaxRangeIterations = 100_000;

    private readonly string _name;
    private readonly string _text;
    private readonly object? _data;
    private readonly List<(string Name, object? Value)> _vars = new();
    private readonly StringBuilder _out = new();
    private readonly TemplateEscaper? _escaper;

    public TemplateExecutor(string name, string text, object? data, IEnumerable<KeyValuePair<string, object?>> variables, TemplateEscaper? escaper = null)
    {
        _escaper = escaper;
        _name = name;
        _text = text;
        _data = data;
        _vars.Add(("$", data));
        foreach (var v in variables)
        {
            _vars.Add((v.Key, v.Value));
        }
    }

    public string Run(List<TemplateNode> nodes)
    {
        Walk(nodes, _data);
        return _out.ToString();
    }

    /// <summary>Go's truth: false, 0, nil, empty strings and collections are false.</summary>
    public static bool Truth(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length != 0,
        double d => d != 0,
        long l => l != 0,
        int i => i != 0,
        IReadOnlyDictionary<string, string> m => m.Count != 0,
        IReadOnlyDictionary<string, object?> o => o.Count != 0,
        ICollection c => c.Count != 0,
        _ => true,
    };

    private TemplateException Error(TemplateNode at, string message)
    {
        int line = 1, col = 1;
        for (int i = 0; i < at.Offset && i < _text.Length; i++)
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
        return new TemplateException(string.Create(CultureInfo.InvariantCulture,
            $"template: {_name}:{line}:{col}: executing \"{_name}\" at <{Describe(at)}>: {message}"));
    }

    private static string Describe(TemplateNode node) => node switch
    {
        IdentifierNode id => id.Name,
        VariableNode v => v.Name + (v.Chain.Length > 0 ? "." + string.Join('.', v.Chain) : string.Empty),
        FieldNode f => "." + string.Join('.', f.Chain),
        CommandNode c when c.Args.Count > 0 => Describe(c.Args[0]),
        PipelineNode p when p.Commands.Count > 0 => Describe(p.Commands[0]),
        ActionNode a => Describe(a.Pipeline),
        _ => "?",
    };

    private void Walk(List<TemplateNode> nodes, object? dot)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t:
                    _out.Append(t.Text);
                    break;
                case ActionNode a:
                    object? v = EvalPipeline(a.Pipeline, dot);
                    if (a.Pipeline.Variables.Count == 0)
                    {
                        string printed = v is null ? "<no value>" : GoFormat.Print(v);
                        _out.Append(_escaper is null ? printed : _escaper.Escape(a.Pipeline, printed));
                    }
                    break;
                case BlockNode b:
                    WalkBlock(b, dot);
                    break;
            }
        }
    }

    private void WalkBlock(BlockNode b, object? dot)
    {
        int mark = _vars.Count;
        try
        {
            if (b.Kind == BlockKind.Range)
            {
                WalkRange(b, dot);
                return;
            }
            object? v = EvalPipeline(b.Pipeline, dot);
            if (Truth(v))
            {
                Walk(b.Body, b.Kind == BlockKind.With ? v : dot);
            }
            else if (b.ElseBody is not null)
            {
                Walk(b.ElseBody, dot);
            }
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private void WalkRange(BlockNode b, object? dot)
    {
        var pipe = b.Pipeline;
        var inner = new PipelineNode(pipe.Offset, [], false, pipe.Commands);
        object? v = EvalPipeline(inner, dot);
        var items = new List<(object? Key, object? Value)>();
        switch (v)
        {
            case null:
                break;
            case IReadOnlyDictionary<string, string> m:
                foreach (var k in m.Keys.Order(StringComparer.Ordinal))
                {
                    items.Add((k, m[k]));
                }
                break;
            case IList list:
                for (int i = 0; i < list.Count; i++)
                {
                    items.Add(((long)i, list[i]));
                }
                break;
            case long n:
                for (long i = 0; i < Math.Min(n, MaxRangeIterations); i++)
                {
                    items.Add((i, i));
                }
                break;
            default:
                throw Error(b, "range can't iterate over " + GoFormat.Print(v));
        }
        if (items.Count == 0)
        {
            if (b.ElseBody is not null)
            {
                Walk(b.ElseBody, dot);
            }
            return;
        }
        int mark = _vars.Count;
        foreach (var (key, value) in items)
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
            if (pipe.Variables.Count == 1)
            {
                _vars.Add((pipe.Variables[0], value));
            }
            else if (pipe.Variables.Count == 2)
            {
                _vars.Add((pipe.Variables[0], key));
                _vars.Add((pipe.Variables[1], value));
            }
            Walk(b.Body, value);
        }
    }

    private object? EvalPipeline(PipelineNode pipe, object? dot)
    {
        object? value = null;
        bool first = true;
        foreach (var cmd in pipe.Commands)
        {
            value = EvalCommand(cmd, dot, first ? null : new Box(value));
            first = false;
        }
        if (pipe.Variables.Count > 0)
        {
            if (pipe.IsAssign)
            {
                int idx = _vars.FindLastIndex(v => v.Name == pipe.Variables[0]);
                if (idx < 0)
                {
                    throw Error(pipe, "undefined variable: " + pipe.Variables[0]);
                }
                _vars[idx] = (pipe.Variables[0], value);
            }
            else
            {
                _vars.Add((pipe.Variables[^1], value));
            }
        }
        return value;
    }

    private sealed class Box(object? value)
    {
        public object? Value { get; } = value;
    }

    private object? EvalCommand(CommandNode cmd, object? dot, Box? final)
    {
        var head = cmd.Args[0];
        if (head is IdentifierNode fn)
        {
            var def = TemplateFunctions.All[fn.Name];
            var args = new List<object?>(cmd.Args.Count);
            for (int i = 1; i < cmd.Args.Count; i++)
            {
                args.Add(EvalArg(cmd.Args[i], dot));
            }
            if (final is not null)
            {
                args.Add(final.Value);
            }
            if (args.Count < def.MinArgs || (def.MaxArgs >= 0 && args.Count > def.MaxArgs))
            {
                string want = def.MaxArgs < 0 ? "at least " + def.MinArgs.ToString(CultureInfo.InvariantCulture) : def.MinArgs.ToString(CultureInfo.InvariantCulture);
                throw Error(fn, string.Create(CultureInfo.InvariantCulture, $"wrong number of args for {fn.Name}: want {want} got {args.Count}"));
            }
            try
            {
                return def.Body([.. args]);
            }
            catch (TemplateFunctionException e)
            {
                throw Error(fn, "error calling " + fn.Name + ": " + e.Message);
            }
        }
        if (cmd.Args.Count > 1 || final is not null)
        {
            throw Error(head, "can't give argument to non-function " + Describe(head));
        }
        return EvalArg(head, dot);
    }

    private object? EvalArg(TemplateNode node, object? dot)
    {
        switch (node)
        {
            case LiteralNode lit:
                return lit.Value;
            case FieldNode f:
                return Chain(f, dot, f.Chain);
            case VariableNode v:
                int idx = _vars.FindLastIndex(x => x.Name == v.Name);
                if (idx < 0)
                {
                    throw Error(v, "undefined variable: " + v.Name);
                }
                return Chain(v, _vars[idx].Value, v.Chain);
            case SubPipelineNode p:
                return Chain(p, EvalPipeline(p.Pipeline, dot), p.Chain);
            case IdentifierNode fn:
                return EvalCommand(new CommandNode(fn.Offset, [fn]), dot, null);
            default:
                throw Error(node, "unexpected node");
        }
    }

    private object? Chain(TemplateNode at, object? value, string[] chain)
    {
        foreach (string field in chain)
        {
            value = value switch
            {
                IReadOnlyDictionary<string, string> m => m.TryGetValue(field, out string? s) ? s : string.Empty,
                IReadOnlyDictionary<string, object?> o => o.TryGetValue(field, out object? fv) ? fv : throw Error(at, "can't evaluate field " + field),
                AlertTemplateData d => d.Field(field) ?? throw Error(at, "can't evaluate field " + field + " in type *template.tmplData"),
                null => throw Error(at, "nil pointer evaluating interface {}." + field),
                _ => throw Error(at, "can't evaluate field " + field + " in type " + GoFormat.TypeName(value)),
            };
        }
        return value;
    }
}
