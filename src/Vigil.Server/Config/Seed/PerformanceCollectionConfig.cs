namespace Vigil.Server.Config.Seed;

/// <summary>The seed's <c>performance_collection</c> block.</summary>
public sealed class PerformanceCollectionConfig
{
    /// <summary>Seconds between collections (<c>collection_interval</c>).</summary>
    public long CollectionInterval { get; init; } = 30;

    /// <summary>Seconds of data to keep (<c>retention_period</c>).</summary>
    public long RetentionPeriod { get; init; } = 86400;

    /// <summary>Alert thresholds by metric (<c>alert_thresholds</c>), compiled to alerting rules.</summary>
    public IReadOnlyDictionary<string, AlertThreshold> AlertThresholds { get; init; } = new Dictionary<string, AlertThreshold>();
}
