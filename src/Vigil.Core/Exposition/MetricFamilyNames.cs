namespace Vigil.Core.Exposition;

/// <summary>Which sample names belong to a metric family, by the suffix rules of each type.</summary>
internal static class MetricFamilyNames
{
    /// <summary>
    /// True when a sample named <paramref name="sample"/> belongs to the family <paramref name="family"/> of type
    /// <paramref name="type"/>: counters take <c>_total</c> and <c>_created</c> (a family name may itself end in
    /// <c>_total</c>, as text-format exporters write it); histograms <c>_bucket</c>, <c>_sum</c>, <c>_count</c>,
    /// <c>_created</c>; gauge histograms <c>_bucket</c>, <c>_gsum</c>, <c>_gcount</c>; summaries <c>_sum</c>,
    /// <c>_count</c>, <c>_created</c>; info metrics <c>_info</c>; other types only the bare name. The bare family name
    /// is accepted for every type, as Prometheus does. <paramref name="created"/> is set for a <c>_created</c> sample.
    /// </summary>
    public static bool IsMember(ReadOnlySpan<byte> family, MetricType type, ReadOnlySpan<byte> sample, out bool created)
    {
        created = false;
        if (type == MetricType.Counter && family.EndsWith("_total"u8))
        {
            family = family[..^6];
        }
        else if (type == MetricType.Info && family.EndsWith("_info"u8))
        {
            family = family[..^5];
        }
        if (!sample.StartsWith(family))
        {
            return false;
        }
        var suffix = sample[family.Length..];
        if (suffix.IsEmpty)
        {
            return true;
        }
        switch (type)
        {
            case MetricType.Counter:
                if (suffix.SequenceEqual("_total"u8))
                {
                    return true;
                }
                break;
            case MetricType.Histogram:
                if (suffix.SequenceEqual("_bucket"u8) || suffix.SequenceEqual("_sum"u8) || suffix.SequenceEqual("_count"u8))
                {
                    return true;
                }
                break;
            case MetricType.GaugeHistogram:
                return suffix.SequenceEqual("_bucket"u8) || suffix.SequenceEqual("_gsum"u8) || suffix.SequenceEqual("_gcount"u8);
            case MetricType.Summary:
                if (suffix.SequenceEqual("_sum"u8) || suffix.SequenceEqual("_count"u8))
                {
                    return true;
                }
                break;
            case MetricType.Info:
                return suffix.SequenceEqual("_info"u8);
            default:
                return false;
        }
        created = suffix.SequenceEqual("_created"u8);
        return created;
    }
}
