namespace Vigil.Analysis.Insights;

/// <summary>What kind of change an optimization action makes (the seed's <c>OptimizationActionType</c>).</summary>
/// <remarks>The type classifies the action for humans and metrics; the executor named by the policy does the work.</remarks>
public enum OptimizationActionType
{
    /// <summary>More resources for one instance: a bigger pool, more threads, more memory.</summary>
    ScaleUp,

    /// <summary>More instances.</summary>
    ScaleOut,

    /// <summary>Cache size, eviction or TTL changes.</summary>
    CacheOptimization,

    /// <summary>Connection pools, query timeouts, indexes.</summary>
    DatabaseOptimization,

    /// <summary>Connection reuse, timeouts, limits.</summary>
    NetworkOptimization,

    /// <summary>A code path switch, e.g. a feature flag.</summary>
    CodeOptimization,

    /// <summary>Any other setting, including Vigil's own configuration.</summary>
    ConfigurationUpdate,
}
