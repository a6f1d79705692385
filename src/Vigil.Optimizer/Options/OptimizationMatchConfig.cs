using Vigil.Core.Labels;

namespace Vigil.Optimizer.Options;

/// <summary>Which signals a policy acts on: alerts or insights of a type, with matching labels and severity.</summary>
/// <remarks>
/// <code>
/// match:
///   alert: HighLatency                 # or  insight: BottleneckDetected
///   severity: [warning, critical]      # any when absent
///   matchers: ['service="checkout"', 'instance=~"10\\..*"']
/// </code>
/// </remarks>
public sealed record OptimizationMatchConfig
{
    /// <summary><c>alert</c> or <c>insight</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The alert name or insight type.</summary>
    public required string Type { get; init; }

    /// <summary>Severities that match (lower case); any when empty.</summary>
    public IReadOnlyList<string> Severities { get; init; } = [];

    /// <summary>Label matchers the signal's labels must all satisfy (Alertmanager's <c>matchers</c> syntax).</summary>
    public IReadOnlyList<LabelMatcher> Matchers { get; init; } = [];
}
