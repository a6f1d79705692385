namespace Vigil.Rules;

/// <summary>One rule as written in a rule file: a recording rule (<see cref="Record"/>) or an alerting rule (<see cref="Alert"/>).</summary>
public sealed class RuleSpec
{
    /// <summary>The metric name a recording rule writes, or null.</summary>
    public string? Record { get; init; }

    /// <summary>The alert name of an alerting rule, or null.</summary>
    public string? Alert { get; init; }

    /// <summary>The PromQL expression.</summary>
    public string Expr { get; init; } = string.Empty;

    /// <summary>How long an alert stays pending before it fires.</summary>
    public TimeSpan For { get; init; }

    /// <summary>How long an alert keeps firing after its condition cleared.</summary>
    public TimeSpan KeepFiringFor { get; init; }

    /// <summary>Labels added to the result (templates allowed in alerting rules).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Annotations of an alerting rule (templates allowed).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>1-based line of the rule in its file (0 when built in code).</summary>
    public int Line { get; init; }

    /// <summary>1-based line and column of the <c>expr</c> value in its file (0 when built in code).</summary>
    public (int Line, int Column) ExprPosition { get; init; }

    /// <summary>The rule's name: the alert name or the recorded metric.</summary>
    public string Name => Alert ?? Record ?? string.Empty;
}
