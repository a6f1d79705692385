namespace Vigil.Optimizer.Decider.Levers;

/// <summary>The decider's choice: a lever and value to try (with why), or a verdict with the evidence.</summary>
public sealed record LeverDecision
{
    /// <summary>The verdict; <see cref="LeverVerdict.None"/> when <see cref="Lever"/> and <see cref="Value"/> are set.</summary>
    public LeverVerdict Verdict { get; init; }

    /// <summary>The lever to turn, or null.</summary>
    public string? Lever { get; init; }

    /// <summary>The value to set, or null.</summary>
    public double? Value { get; init; }

    /// <summary>True when the change looks for a cheaper setting that still meets the objective (kept if the threshold and constraints still hold).</summary>
    public bool SavesCost { get; init; }

    /// <summary>Why, in one sentence.</summary>
    public required string Reason { get; init; }

    /// <summary>Every lever's evidence and score at the time of the choice.</summary>
    public IReadOnlyList<LeverScore> Scores { get; init; } = [];

    /// <summary>The trials of this epoch (what was tried, with evidence), oldest first.</summary>
    public IReadOnlyList<LeverTrial> Tried { get; init; } = [];

    /// <summary>Levers in recommend mode that the decider escalates (notification, dashboard, <c>vigil optimize list</c>) when out of reach.</summary>
    public IReadOnlyList<string> Escalate { get; init; } = [];
}
