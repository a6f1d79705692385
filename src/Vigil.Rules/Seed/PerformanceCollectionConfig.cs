namespace Vigil.Rules.Seed;

/// <summary>The seed's <c>performance_collection</c> block.</summary>
public sealed class PerformanceCollectionConfig
{
    /// <summary>
    /// How often the built-in collectors run (<c>collection_interval</c>, seconds or a duration); used when
    /// <c>collectors.interval</c> is not set. Null when absent.
    /// </summary>
    public TimeSpan? CollectionInterval { get; init; }

    /// <summary>
    /// How long data is kept (<c>retention_period</c>, seconds or a duration); used when <c>storage.retention_time</c> is
    /// not set. Null when absent.
    /// </summary>
    public TimeSpan? RetentionPeriod { get; init; }

    /// <summary>Alert thresholds by metric (<c>alert_thresholds</c>), compiled to alerting rules.</summary>
    public IReadOnlyDictionary<string, AlertThreshold> AlertThresholds { get; init; } = new Dictionary<string, AlertThreshold>();
}
