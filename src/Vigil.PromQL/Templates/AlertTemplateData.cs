namespace Vigil.PromQL.Templates;

/// <summary>
/// What alert label and annotation templates see: <c>.Labels</c>/<c>$labels</c>, <c>.ExternalLabels</c>/<c>$externalLabels</c>,
/// <c>.ExternalURL</c>/<c>$externalURL</c> and <c>.Value</c>/<c>$value</c> (a float).
/// </summary>
public sealed class AlertTemplateData(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> externalLabels, string externalUrl, double value)
{
    /// <summary>The labels of the alert's sample (including <c>__name__</c> when the expression kept it).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;

    /// <summary>The server's external labels.</summary>
    public IReadOnlyDictionary<string, string> ExternalLabels { get; } = externalLabels;

    /// <summary>The server's external URL.</summary>
    public string ExternalUrl { get; } = externalUrl;

    /// <summary>The sample's value.</summary>
    public double Value { get; } = value;

    /// <summary>The variables Prometheus predefines for alert templates.</summary>
    internal IEnumerable<KeyValuePair<string, object?>> Variables()
    {
        yield return new("$labels", Labels);
        yield return new("$externalLabels", ExternalLabels);
        yield return new("$externalURL", ExternalUrl);
        yield return new("$value", Value);
    }

    /// <summary>A field by its Go name, or null when there is none.</summary>
    internal object? Field(string name) => name switch
    {
        "Labels" => Labels,
        "ExternalLabels" => ExternalLabels,
        "ExternalURL" => ExternalUrl,
        "Value" => Value,
        _ => null,
    };
}
