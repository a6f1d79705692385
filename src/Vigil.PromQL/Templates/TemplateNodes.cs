namespace Vigil.PromQL.Templates;

/// <summary>A node of a parsed template (Go <c>text/template</c> subset).</summary>
internal abstract class TemplateNode(int offset)
{
    /// <summary>Offset of the node in the template text (for error positions).</summary>
    public int Offset { get; } = offset;
}

/// <summary>Literal text copied to the output.</summary>
internal sealed class TextNode(int offset, string text) : TemplateNode(offset)
{
    public string Text { get; } = text;
}

/// <summary><c>{{ pipeline }}</c>: prints the pipeline's value unless it declares variables.</summary>
internal sealed class ActionNode(int offset, PipelineNode pipeline) : TemplateNode(offset)
{
    public PipelineNode Pipeline { get; } = pipeline;
}

/// <summary>The kinds of block actions.</summary>
internal enum BlockKind
{
    If,
    Range,
    With,
}

/// <summary><c>{{ if }}</c>, <c>{{ range }}</c> or <c>{{ with }}</c> with an optional <c>{{ else }}</c> branch.</summary>
internal sealed class BlockNode(int offset, BlockKind kind, PipelineNode pipeline, List<TemplateNode> body, List<TemplateNode>? elseBody) : TemplateNode(offset)
{
    public BlockKind Kind { get; } = kind;

    public PipelineNode Pipeline { get; } = pipeline;

    public List<TemplateNode> Body { get; } = body;

    public List<TemplateNode>? ElseBody { get; } = elseBody;
}

/// <summary>Commands joined by <c>|</c>, optionally declaring (<c>:=</c>) or assigning (<c>=</c>) variables.</summary>
internal sealed class PipelineNode(int offset, List<string> variables, bool isAssign, List<CommandNode> commands) : TemplateNode(offset)
{
    public List<string> Variables { get; } = variables;

    public bool IsAssign { get; } = isAssign;

    public List<CommandNode> Commands { get; } = commands;
}

/// <summary>One command: a function name with arguments, or a single operand.</summary>
internal sealed class CommandNode(int offset, List<TemplateNode> args) : TemplateNode(offset)
{
    public List<TemplateNode> Args { get; } = args;
}

/// <summary>A function name (<c>humanize</c>, <c>printf</c>).</summary>
internal sealed class IdentifierNode(int offset, string name) : TemplateNode(offset)
{
    public string Name { get; } = name;
}

/// <summary><c>.</c> or <c>.Field.Sub</c>: fields of the data.</summary>
internal sealed class FieldNode(int offset, string[] chain) : TemplateNode(offset)
{
    public string[] Chain { get; } = chain;
}

/// <summary><c>$name.Field</c>.</summary>
internal sealed class VariableNode(int offset, string name, string[] chain) : TemplateNode(offset)
{
    public string Name { get; } = name;

    public string[] Chain { get; } = chain;
}

/// <summary>A parenthesized pipeline with an optional field chain: <c>(index $labels "x").Foo</c>.</summary>
internal sealed class SubPipelineNode(int offset, PipelineNode pipeline, string[] chain) : TemplateNode(offset)
{
    public PipelineNode Pipeline { get; } = pipeline;

    public string[] Chain { get; } = chain;
}

/// <summary>A string, number, boolean or nil constant.</summary>
internal sealed class LiteralNode(int offset, object? value) : TemplateNode(offset)
{
    public object? Value { get; } = value;
}
