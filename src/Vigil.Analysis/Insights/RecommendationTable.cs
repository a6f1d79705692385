using System.Text;

namespace Vigil.Analysis.Insights;

/// <summary>What to recommend for a resource: advice whose text names the component (and resource) it is about.</summary>
/// <remarks>Immutable once built; thread-safe.</remarks>
internal sealed class RecommendationTable(IReadOnlyDictionary<string, RecommendationTable.Advice[]> byResource, RecommendationTable.Advice[] otherwise)
{
    /// <summary>One piece of advice; <c>{component}</c> and <c>{resource}</c> in <paramref name="Text"/> are filled in.</summary>
    internal readonly record struct Advice(OptimizationActionType Type, string Text, double Impact, ImplementationCost Cost, int Priority);

    /// <summary>The recommendations for <paramref name="resource"/> on <paramref name="component"/>, ranked by <paramref name="severity"/>.</summary>
    public List<OptimizationRecommendation> For(string resource, string component, InsightSeverity severity)
    {
        var advice = byResource.TryGetValue(resource, out var found) ? found : otherwise;
        var result = new List<OptimizationRecommendation>(advice.Length);
        foreach (var a in advice)
        {
            result.Add(OptimizationRecommendation.For(component, severity, a.Type, Fill(a.Text, resource, component), a.Impact, a.Cost, a.Priority));
        }
        return result;
    }

    /// <summary>Replaces the placeholders in one pass, so a value that itself contains a placeholder is left as it is.</summary>
    private static string Fill(string text, string resource, string component)
    {
        var sb = new StringBuilder(text.Length + component.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (text.AsSpan(i).StartsWith("{component}", StringComparison.Ordinal))
            {
                sb.Append(component);
                i += "{component}".Length;
            }
            else if (text.AsSpan(i).StartsWith("{resource}", StringComparison.Ordinal))
            {
                sb.Append(resource);
                i += "{resource}".Length;
            }
            else
            {
                sb.Append(text[i++]);
            }
        }
        return sb.ToString();
    }
}
