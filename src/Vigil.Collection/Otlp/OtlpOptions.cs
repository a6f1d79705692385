namespace Vigil.Collection.Otlp;

/// <summary>
/// The <c>otlp:</c> section of <c>vigil.yaml</c>: how OTLP metrics are translated into Prometheus series. The keys
/// Prometheus 3 has keep its names and meaning; <see cref="MaxDeltaSeries"/>, <see cref="DeltaSeriesIdle"/> and
/// <see cref="CreatedTimestampZeroIngestion"/> are Vigil's.
/// </summary>
public sealed record OtlpOptions
{
    /// <summary>Every default.</summary>
    public static OtlpOptions Default { get; } = new();

    /// <summary>How metric and label names are translated (<c>translation_strategy</c>).</summary>
    public OtlpTranslationStrategy TranslationStrategy { get; init; } = OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes;

    /// <summary>Resource attributes copied onto every series of the resource as labels (<c>promote_resource_attributes</c>).</summary>
    public IReadOnlyList<string> PromoteResourceAttributes { get; init; } = [];

    /// <summary>Promote every resource attribute but those in <see cref="IgnoreResourceAttributes"/> (<c>promote_all_resource_attributes</c>).</summary>
    public bool PromoteAllResourceAttributes { get; init; }

    /// <summary>Attributes not promoted when <see cref="PromoteAllResourceAttributes"/> is on (<c>ignore_resource_attributes</c>).</summary>
    public IReadOnlyList<string> IgnoreResourceAttributes { get; init; } = [];

    /// <summary>Keep <c>service.name</c>, <c>service.namespace</c> and <c>service.instance.id</c> on <c>target_info</c> too (<c>keep_identifying_resource_attributes</c>).</summary>
    public bool KeepIdentifyingResourceAttributes { get; init; }

    /// <summary>Add <c>otel_scope_name</c>, <c>otel_scope_version</c>, <c>otel_scope_schema_url</c> and the scope's attributes as labels (<c>promote_scope_metadata</c>).</summary>
    public bool PromoteScopeMetadata { get; init; }

    /// <summary>
    /// Store a zero at a cumulative series' start time (its created timestamp) the first time the series or a new start
    /// time is seen, so <c>rate()</c> and <c>increase()</c> count from the start (<c>created_timestamp_zero_ingestion</c>,
    /// on by default; Prometheus's feature flag of that name).
    /// </summary>
    public bool CreatedTimestampZeroIngestion { get; init; } = true;

    /// <summary>How many delta-temporality series keep a running total in memory at most (<c>max_delta_series</c>); new ones beyond are rejected.</summary>
    public int MaxDeltaSeries { get; init; } = 100_000;

    /// <summary>A delta series not updated for this long forgets its running total (<c>delta_series_idle</c>, 1h); its next point starts a new counter.</summary>
    public TimeSpan DeltaSeriesIdle { get; init; } = TimeSpan.FromHours(1);
}
