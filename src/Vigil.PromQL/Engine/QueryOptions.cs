namespace Vigil.PromQL.Engine;

/// <summary>Per-query overrides.</summary>
public sealed record QueryOptions
{
    /// <summary>Lookback delta for this query; null uses the engine's.</summary>
    public TimeSpan? LookbackDelta { get; init; }

    /// <summary>Timeout for this query; null uses the engine's.</summary>
    public TimeSpan? Timeout { get; init; }
}
