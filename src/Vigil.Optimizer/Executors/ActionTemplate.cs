using Vigil.Optimizer.Model;
using Vigil.PromQL.Templates;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// A Go template in an executor's configuration (URL, header, body, argument, environment value), executed with the
/// execution's fields: <c>.ID</c>, <c>.Policy</c>, <c>.Type</c>, <c>.Target</c>, <c>.Parameters</c> (a map),
/// <c>.Previous</c> (the captured value, empty before capture), <c>.Phase</c> (<c>capture</c>, <c>apply</c> or
/// <c>rollback</c>), and the trigger's <c>.Labels</c>, <c>.Severity</c>, <c>.Signal</c> and <c>.Value</c>.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. In a webhook's JSON body values are JSON-escaped: write <c>"{{ .Target }}"</c> (or
/// <c>{{ .Target | printf "%q" }}</c>) for a JSON string.
/// </remarks>
internal sealed class ActionTemplate
{
    private readonly GoTemplate _template;

    private ActionTemplate(GoTemplate template) => _template = template;

    /// <summary>The template text.</summary>
    public string Text => _template.Text;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="TemplateException"/> naming line:column on a syntax error.</summary>
    public static ActionTemplate Parse(string name, string text) => new(GoTemplate.Parse(name, text));

    /// <summary>The fields templates see for <paramref name="execution"/> in <paramref name="phase"/>.</summary>
    public static IReadOnlyDictionary<string, object?> Fields(OptimizationExecution execution, string phase)
    {
        var trigger = execution.Trigger;
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["ID"] = execution.Id,
            ["Policy"] = execution.Action.Policy,
            ["Type"] = execution.Action.Type.ToString(),
            ["Target"] = execution.Action.Target,
            ["Parameters"] = execution.Action.Parameters,
            ["Previous"] = execution.PreviousValue ?? string.Empty,
            ["Phase"] = phase,
            ["Labels"] = trigger?.Labels ?? new Dictionary<string, string>(),
            ["Severity"] = trigger?.Severity ?? string.Empty,
            ["Signal"] = trigger?.Type ?? string.Empty,
            ["Value"] = trigger?.Value ?? double.NaN,
        };
    }

    /// <summary>Runs the template, escaping what its actions print with <paramref name="escaper"/> when given; a failure becomes an <see cref="ExecutorException"/> naming the template.</summary>
    public string Render(IReadOnlyDictionary<string, object?> fields, TemplateEscaper? escaper = null)
    {
        try
        {
            return _template.Execute(fields, escaper);
        }
        catch (TemplateException e)
        {
            throw new ExecutorException(e.Message);
        }
    }
}
