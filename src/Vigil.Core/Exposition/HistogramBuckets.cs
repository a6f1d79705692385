using System.Globalization;

namespace Vigil.Core.Exposition;

/// <summary>Classic histogram buckets as Vigil counts and writes them: which bucket a value falls in, and the <c>le</c> text of a bound.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class HistogramBuckets
{
    /// <summary>
    /// The bucket of <paramref name="value"/> among ascending <paramref name="bounds"/>: the first bound at or above it,
    /// or <c>bounds.Length</c> (the <c>+Inf</c> bucket) above them all.
    /// </summary>
    /// <remarks>A value equal to a bound belongs to that bound's bucket (Prometheus buckets are upper-inclusive); NaN goes last.</remarks>
    public static int IndexOf(ReadOnlySpan<double> bounds, double value)
    {
        // Note: a plain binary search; Array.BinarySearch goes through a generic comparer and costs several times more.
        int lo = 0;
        int hi = bounds.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return double.IsNaN(value) ? bounds.Length : lo;
    }

    /// <summary>
    /// A bucket bound as an <c>le</c> value: the shortest text that round-trips; with <paramref name="openMetrics"/>,
    /// integral bounds get <c>.0</c> (<c>1.0</c>), as OpenMetrics and Prometheus 3 write them.
    /// </summary>
    public static string FormatBound(double bound, bool openMetrics)
    {
        string s = bound.ToString("R", CultureInfo.InvariantCulture);
        return openMetrics && s.AsSpan().IndexOfAny('.', 'E') < 0 ? s + ".0" : s;
    }
}
