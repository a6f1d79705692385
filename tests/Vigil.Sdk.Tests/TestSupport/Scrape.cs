using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;

namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>Parses an exposition payload with Vigil's own parser (so malformed output fails the test) into "series → value".</summary>
internal static class Scrape
{
    public static Dictionary<string, double> Parse(byte[] payload, ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
    {
        var families = ExpositionParser.ParseFamilies(payload, format);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            foreach (var sample in family.Samples)
            {
                result.Add(Key(sample.Labels), sample.Value);
            }
        }
        return result;
    }

    public static Dictionary<string, double> Parse(string payload) => Parse(Encoding.UTF8.GetBytes(payload));

    /// <summary>The family types by name.</summary>
    public static Dictionary<string, MetricType> Types(byte[] payload, ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
        => ExpositionParser.ParseFamilies(payload, format).ToDictionary(f => f.Name, f => f.Type, StringComparer.Ordinal);

    /// <summary><c>name{a="1",b="2"}</c> with labels sorted by name, or just <c>name</c>.</summary>
    public static string Key(LabelSet labels)
    {
        var rest = labels.Where(l => l.Name != LabelSet.MetricName).OrderBy(l => l.Name, StringComparer.Ordinal).ToList();
        return rest.Count == 0 ? labels.Name : labels.Name + "{" + string.Join(",", rest.Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";
    }
}
