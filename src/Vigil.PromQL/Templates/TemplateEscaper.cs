using System.Text.Encodings.Web;
using System.Text.Json;

namespace Vigil.PromQL.Templates;

/// <summary>
/// Escapes what each <c>{{ action }}</c> of a template prints for the context the output goes to, so a value (a pushed
/// label, say) stays a value: URL components are percent-encoded, JSON strings get JSON escapes. The literal text of
/// the template is never changed.
/// </summary>
/// <remarks>
/// An action whose pipeline already ends in the context's own escaper (<c>urlquery</c> in a URL, <c>printf "%q"</c> in
/// JSON) is left as it is, so templates written for the unescaped form keep working. Immutable and thread-safe.
/// </remarks>
public sealed class TemplateEscaper
{
    private readonly Func<string, string> _escape;
    private readonly Func<PipelineNode, bool> _alreadyEscaped;

    private TemplateEscaper(string context, Func<string, string> escape, Func<PipelineNode, bool> alreadyEscaped)
    {
        Context = context;
        _escape = escape;
        _alreadyEscaped = alreadyEscaped;
    }

    /// <summary>For a URL (any part after the host) or a form body: every character outside <c>A-Za-z0-9-._~</c> is percent-encoded.</summary>
    public static TemplateEscaper UrlComponent { get; } = new("url", Uri.EscapeDataString, p => EndsWith(p, "urlquery"));

    /// <summary>For a JSON document: quotes, backslashes and control characters get JSON escapes (write <c>"{{ .X }}"</c> for a string).</summary>
    public static TemplateEscaper Json { get; } = new("json",
        s => JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
        p => EndsWith(p, "printf", "%q"));

    /// <summary>The context's name (<c>url</c>, <c>json</c>).</summary>
    public string Context { get; }

    /// <summary>The escaped form of an action's output.</summary>
    internal string Escape(PipelineNode pipeline, string printed) => _alreadyEscaped(pipeline) ? printed : _escape(printed);

    private static bool EndsWith(PipelineNode p, string function, string? firstArgument = null)
    {
        if (p.Commands.Count == 0 || p.Commands[^1].Args is not [IdentifierNode id, ..] args || id.Name != function)
        {
            return false;
        }
        return firstArgument is null || (args.Count > 1 && args[1] is LiteralNode { Value: string s } && s == firstArgument);
    }
}
