namespace Vigil.Optimizer.Model;

/// <summary>Something the decider can act on: a firing alert or an analysis insight, with its labels and severity.</summary>
/// <param name="Source">Where it comes from: <c>alert</c> or <c>insight</c>.</param>
/// <param name="Type">The alert name (<c>alertname</c>) or the insight type (e.g. <c>BottleneckDetected</c>).</param>
/// <param name="Severity">The severity (<c>severity</c> label of an alert; the insight's severity), lower case; empty when unknown.</param>
/// <param name="Labels">The labels (an alert's labels; an insight's affected series labels).</param>
/// <param name="Value">The value that triggered it (the alert's sample value, the insight's score).</param>
/// <param name="Since">When it became active.</param>
/// <param name="Description">A human-readable description (an alert's summary annotation, the insight's text).</param>
public sealed record OptimizationSignal(
    string Source,
    string Type,
    string Severity,
    IReadOnlyDictionary<string, string> Labels,
    double Value,
    DateTimeOffset Since,
    string Description)
{
    /// <summary>The <see cref="Source"/> of firing alerts.</summary>
    public const string AlertSource = "alert";

    /// <summary>The <see cref="Source"/> of analysis insights.</summary>
    public const string InsightSource = "insight";
}
