namespace Vigil.PromQL.Templates;

/// <summary>
/// A parsed alert template in Go's <c>text/template</c> syntax with Prometheus's functions (<c>humanize</c>,
/// <c>humanize1024</c>, <c>humanizePercentage</c>, <c>humanizeDuration</c>, <c>printf</c>, …; not <c>query</c>).
/// </summary>
/// <remarks>Immutable after parsing and thread-safe to execute.</remarks>
public sealed class GoTemplate
{
    private readonly string _name;
    private readonly string _text;
    private readonly List<TemplateNode> _nodes;

    private GoTemplate(string name, string text, List<TemplateNode> nodes)
    {
        _name = name;
        _text = text;
        _nodes = nodes;
    }

    /// <summary>The template text.</summary>
    public string Text => _text;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="TemplateException"/> naming line:column on a syntax error.</summary>
    public static GoTemplate Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains("{{", StringComparison.Ordinal))
        {
            return new GoTemplate(name, text, [new TextNode(0, text)]);
        }
        var nodes = TemplateParser.Parse(name, text, TemplateFunctions.All.ContainsKey);
        return new GoTemplate(name, text, nodes);
    }

    /// <summary>Runs the template; throws <see cref="TemplateException"/> when execution fails.</summary>
    public string Execute(AlertTemplateData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new TemplateExecutor(_name, _text, data, data.Variables()).Run(_nodes);
    }

    /// <summary>
    /// Runs the template against named fields (<c>.Name</c>); values may be strings, numbers, string maps or nested field
    /// maps. Throws <see cref="TemplateException"/> when execution fails, e.g. on an unknown field.
    /// </summary>
    /// <param name="fields">The data.</param>
    /// <param name="escaper">Escapes what each action prints for the output's context (URL, JSON); null prints it as it is.</param>
    public string Execute(IReadOnlyDictionary<string, object?> fields, TemplateEscaper? escaper = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new TemplateExecutor(_name, _text, fields, [], escaper).Run(_nodes);
    }

    /// <summary>True when the text holds at least one action (<c>{{ … }}</c>), i.e. its output can depend on data.</summary>
    public static bool HasActions(string text) => text.Contains("{{", StringComparison.Ordinal);

    /// <summary>Runs the template; on failure returns <c>&lt;error expanding template: …&gt;</c> as Prometheus does, so the rule keeps working.</summary>
    public string Expand(AlertTemplateData data)
    {
        try
        {
            return Execute(data);
        }
        catch (TemplateException e)
        {
            return "<error expanding template: " + e.Message + ">";
        }
    }
}
