using System.Diagnostics;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Sdk.Exposition;

namespace Vigil.Sdk.Profiling;

/// <summary>One tag combination of one tool: the tags as given (for meter instruments) and as Prometheus labels, and its cells per outcome.</summary>
internal sealed class ToolSeries
{
    /// <summary>The tag OpenTelemetry uses for the series that collects measurements beyond the cardinality limit.</summary>
    public const string OverflowTag = "otel.metric.overflow";

    private static readonly KeyValuePair<string, object?>[] s_overflowTags = [new(OverflowTag, true)];
    private static readonly Label[] s_overflowLabels = [new("otel_metric_overflow", "true")];

    private readonly OutcomeCells?[] _cells = new OutcomeCells?[3];

    private ToolSeries(KeyValuePair<string, object?>[] tags, Label[] labels, bool overflow)
    {
        Tags = tags;
        Labels = labels;
        IsOverflow = overflow;
    }

    /// <summary>The tags in the order first seen, passed to meter instruments.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>The tags as Prometheus labels (sanitized names, invariant values), sorted by name.</summary>
    public Label[] Labels { get; }

    /// <summary>True for the series that collects tag sets beyond <see cref="ToolProfilerOptions.MaxTagSetsPerTool"/>.</summary>
    public bool IsOverflow { get; }

    public static ToolSeries Untagged() => new([], [], overflow: false);

    public static ToolSeries Overflow() => new(s_overflowTags, s_overflowLabels, overflow: true);

    public static ToolSeries FromTags(in TagList tags)
    {
        var copy = new KeyValuePair<string, object?>[tags.Count];
        tags.CopyTo(copy);
        var labels = new Label[copy.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            labels[i] = new Label(SdkLabelNames.ForTag(copy[i].Key), PrometheusNames.TagValue(copy[i].Value));
        }
        Array.Sort(labels);
        return new ToolSeries(copy, labels, overflow: false);
    }

    public OutcomeCells Cells(ToolOutcome outcome, double[] durationBounds, double[] cpuBounds, double[] allocBounds)
        => _cells[(int)outcome] ??= new OutcomeCells(durationBounds.Length, cpuBounds.Length, allocBounds.Length);

    public OutcomeCells? PeekCells(ToolOutcome outcome) => _cells[(int)outcome];

    /// <summary>True when <paramref name="tags"/> holds the same key/value pairs as this series, in any order.</summary>
    public bool Matches(in TagList tags)
    {
        var mine = Tags;
        if (mine.Length != tags.Count)
        {
            return false;
        }
        for (int i = 0; i < mine.Length; i++)
        {
            var t = tags[i];
            if (string.Equals(mine[i].Key, t.Key, StringComparison.Ordinal))
            {
                if (!Equals(mine[i].Value, t.Value))
                {
                    return false;
                }
                continue;
            }
            bool found = false;
            foreach (var m in mine)
            {
                if (string.Equals(m.Key, t.Key, StringComparison.Ordinal))
                {
                    found = Equals(m.Value, t.Value);
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return true;
    }
}
