namespace Vigil.Sdk.Collectors;

/// <summary>One collected value (the seed's <c>MetricPoint</c>): when, what, and the collector's tags.</summary>
/// <param name="TimestampMs">When the value was collected, in milliseconds since the Unix epoch.</param>
/// <param name="Value">The value.</param>
/// <param name="Tags">The collector's constant tags (empty when none).</param>
public readonly record struct MetricPoint(long TimestampMs, double Value, IReadOnlyDictionary<string, string> Tags);
