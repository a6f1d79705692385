namespace Vigil.Rules;

/// <summary>A group of rules as written in a rule file, evaluated in order on one interval.</summary>
public sealed class RuleGroupSpec
{
    /// <summary>The group's name, unique within its file.</summary>
    public required string Name { get; init; }

    /// <summary>The file the group came from (or a synthetic name such as <c>vigil.yaml#alert_thresholds</c>).</summary>
    public string File { get; init; } = string.Empty;

    /// <summary>The evaluation interval, or null for the global one.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>How far in the past the rules query, or null for the global default (0).</summary>
    public TimeSpan? QueryOffset { get; init; }

    /// <summary>The maximum number of alerts or series one rule may produce; 0 is unlimited.</summary>
    public int Limit { get; init; }

    /// <summary>Labels added to every rule of the group (rule labels win).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The rules, in evaluation order.</summary>
    public IReadOnlyList<RuleSpec> Rules { get; init; } = [];

    /// <summary>1-based line of the group in its file (0 when built in code).</summary>
    public int Line { get; init; }
}
