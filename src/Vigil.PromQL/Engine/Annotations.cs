using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

/// <summary>
/// Warnings and infos collected while evaluating, deduplicated by message text as Prometheus does (the last position
/// recorded for a message wins). Rendered as <c>message (line:col)</c> against the query text at the end.
/// </summary>
internal sealed class Annotations
{
    private readonly Dictionary<string, (bool Info, PositionRange? Position)> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public void Warn(string message, PositionRange? position) => _items[message] = (false, position);

    public void Info(string message, PositionRange? position) => _items[message] = (true, position);

    public (List<string> Warnings, List<string> Infos) Render(string query)
    {
        var warnings = new List<string>();
        var infos = new List<string>();
        foreach (var (msg, (info, pos)) in _items)
        {
            string text = pos is PositionRange p && query.Length != 0 ? msg + " (" + p.FormatStart(query) + ")" : msg;
            (info ? infos : warnings).Add(text);
        }
        return (warnings, infos);
    }
}

/// <summary>The annotation texts of Prometheus's util/annotations package.</summary>
internal static class AnnotationText
{
    public const string WarningPrefix = "PromQL warning: ";
    public const string InfoPrefix = "PromQL info: ";

    public static string InvalidQuantile(double q) => WarningPrefix + "quantile value should be between 0 and 1, got " + GoText.FormatFloatG(q);

    public static string InvalidRatio(double q, double to)
        => WarningPrefix + "ratio value should be between -1 and 1, got " + GoText.FormatFloatG(q) + ", capping to " + GoText.FormatFloatG(to);

    public static string BadBucketLabel(string metricName, string label)
    {
        string s = WarningPrefix + "bucket label \"le\" is missing or has a malformed value of " + GoText.Quote(label);
        return metricName.Length == 0 ? s : s + " for metric name " + GoText.Quote(metricName);
    }

    public static string PossibleNonCounter(string metricName)
        => InfoPrefix + "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " + GoText.Quote(metricName);

    public static string ForcedMonotonicity(string metricName)
    {
        string s = InfoPrefix + "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
        return metricName.Length == 0 ? s : s + " for metric name " + GoText.Quote(metricName);
    }

    public static string StartTimeOverlap(string metricName)
        => WarningPrefix + "sample has start time that overlaps with previous sample timestamp for metric " + GoText.Quote(metricName);

    public const string IneffectiveSort = WarningPrefix + "sort is ineffective for range queries since results are always ordered by labels";
}

/// <summary>The annotation texts about native histograms (Prometheus's util/annotations).</summary>
internal static class HistogramAnnotationText
{
    public static string MixedFloatsHistograms(string metricName)
        => AnnotationText.WarningPrefix + "encountered a mix of histograms and floats for metric name " + GoText.Quote(metricName);

    public static string MixedClassicNative(string metricName)
        => AnnotationText.WarningPrefix + "vector contains a mix of classic and native histograms for metric name " + GoText.Quote(metricName);

    public static string NotCounter(string metricName)
        => AnnotationText.WarningPrefix + "this native histogram metric is not a counter: " + GoText.Quote(metricName);

    public static string NotGauge(string metricName)
        => AnnotationText.WarningPrefix + "this native histogram metric is not a gauge: " + GoText.Quote(metricName);

    public static string MixedExponentialCustom(string metricName)
        => AnnotationText.WarningPrefix + "vector contains a mix of histograms with exponential and custom buckets schemas for metric name " + GoText.Quote(metricName);

    public static string MismatchedCustomBuckets(string operation)
        => AnnotationText.InfoPrefix + "mismatched custom buckets were reconciled during " + operation;

    public static string IgnoredInMixedRange(string metricName)
        => AnnotationText.InfoPrefix + "ignored histograms in a range containing both floats and histograms for metric name " + GoText.Quote(metricName);

    public static string IgnoredInAggregation(string aggregation)
        => AnnotationText.InfoPrefix + "ignored histogram in " + aggregation + " aggregation";

    public static string IncompatibleTypesInBinOp(string op, string left, string right)
        => AnnotationText.InfoPrefix + "incompatible sample types encountered for binary operator " + GoText.Quote(op) + ": " + left + " " + op + " " + right;
}
