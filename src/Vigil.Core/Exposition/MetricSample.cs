using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>One exposed sample: its full label set (with <c>__name__</c>), value and optional timestamp in milliseconds.</summary>
public readonly record struct MetricSample(LabelSet Labels, double Value, long? TimestampMs = null);
