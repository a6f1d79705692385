using System.Globalization;
using Google.Protobuf.Collections;
using Vigil.Collection.Otlp.Proto;
using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Collection.Otlp;

/// <summary>The data points of the five OTLP metric kinds, and <c>target_info</c>.</summary>
internal sealed partial class OtlpTranslation
{
    private readonly List<double> _values = new();
    private readonly Dictionary<double, string> _boundText = new();

    private void NumberPoint(Metric m, string family, NumberDataPoint p, bool counter, bool delta)
    {
        long t = Time(m, p.TimeUnixNano);
        var series = Series(PointLabels(p.Attributes), family);
        double v = p.ValueCase switch
        {
            NumberDataPoint.ValueOneofCase.AsDouble => p.AsDouble,
            NumberDataPoint.ValueOneofCase.AsInt => p.AsInt,
            _ => throw new OtlpException($"metric \"{m.Name}\": a data point has no value (as_double or as_int)"),
        };
        if (IsStale(p.Flags))
        {
            Append(series, t, StaleMarker.StaleNaN);
            return;
        }
        long start = counter ? Millis(p.StartTimeUnixNano) : 0;
        if (delta)
        {
            if (DeltaState<SumDeltaState>(series, p.StartTimeUnixNano, t, out _) is not { } state)
            {
                return;
            }
            state.Value += v;
            v = state.Value;
            start = state.StartMs;
        }
        if (counter)
        {
            _series.Clear();
            _series.Add(series);
            CreatedZeros(series, start, t);
        }
        Append(series, t, v);
    }

    private void HistogramPoint(Metric m, string family, HistogramDataPoint p, bool delta)
    {
        long t = Time(m, p.TimeUnixNano);
        var labels = PointLabels(p.Attributes);
        var bounds = p.ExplicitBounds;
        var counts = p.BucketCounts;
        CheckBuckets(m, bounds, counts, p.Count);
        bool hasBuckets = counts.Count != 0;
        var key = Series(labels, family);
        double count = p.Count, sum = p.HasSum ? p.Sum : 0;
        bool hasSum = p.HasSum;
        long start = Millis(p.StartTimeUnixNano);
        bool stale = IsStale(p.Flags);
        double[]? totals = null;
        if (delta && !stale)
        {
            if (DeltaState<HistogramDeltaState>(key, p.StartTimeUnixNano, t, out bool fresh) is not { } state)
            {
                return;
            }
            if (!fresh && !SameBounds(state, bounds, hasBuckets))
            {
                // Note: new bucket bounds cannot continue the old totals; the series starts over, as after a restart.
                state = RestartDelta<HistogramDeltaState>(key, p.StartTimeUnixNano, t);
                fresh = true;
            }
            if (fresh)
            {
                state.Bounds = hasBuckets ? [.. bounds] : [];
                state.Counts = new double[counts.Count];
            }
            for (int i = 0; i < counts.Count; i++)
            {
                state.Counts[i] += counts[i];
            }
            state.AddTotals(count, sum, hasSum);
            count = state.Count;
            sum = state.Sum;
            hasSum = state.HasSum;
            start = state.StartMs;
            totals = state.Counts;
        }
        _series.Clear();
        _values.Clear();
        string bucket = family + "_bucket";
        if (hasBuckets)
        {
            double cumulative = 0;
            for (int i = 0; i < bounds.Count; i++)
            {
                cumulative += totals?[i] ?? counts[i];
                _series.Add(Series(labels, bucket, "le", BoundText(bounds[i])));
                _values.Add(cumulative);
            }
        }
        EndHistogram(labels, family, bucket, count, hasSum, sum, key, start, t, stale);
    }

    private void ExponentialPoint(Metric m, string family, ExponentialHistogramDataPoint p, bool delta)
    {
        long t = Time(m, p.TimeUnixNano);
        var labels = PointLabels(p.Attributes);
        if (p.Scale is < PowerOfTwoBuckets.MinScale or > PowerOfTwoBuckets.MaxScale)
        {
            throw new OtlpException($"metric \"{m.Name}\": exponential histogram scale {p.Scale} is outside {PowerOfTwoBuckets.MinScale}..{PowerOfTwoBuckets.MaxScale}");
        }
        if (!(p.ZeroThreshold >= 0) || double.IsInfinity(p.ZeroThreshold))
        {
            throw new OtlpException($"metric \"{m.Name}\": zero_threshold must be a finite number of at least 0");
        }
        _exponential.Load(p);
        double total = _exponential.Total();
        if (total != p.Count && total != 0)
        {
            throw new OtlpException(string.Create(CultureInfo.InvariantCulture,
                $"metric \"{m.Name}\": the exponential histogram's buckets hold {total} observations but its count is {p.Count}"));
        }
        var key = Series(labels, family);
        double count = p.Count, sum = p.HasSum ? p.Sum : 0;
        bool hasSum = p.HasSum;
        long start = Millis(p.StartTimeUnixNano);
        bool stale = IsStale(p.Flags);
        var buckets = _exponential;
        if (delta && !stale)
        {
            if (DeltaState<ExponentialDeltaState>(key, p.StartTimeUnixNano, t, out bool fresh) is not { } state)
            {
                return;
            }
            if (fresh)
            {
                state.Buckets = _exponential.Clone();
            }
            else
            {
                state.Buckets.Add(_exponential);
            }
            state.AddTotals(count, sum, hasSum);
            count = state.Count;
            sum = state.Sum;
            hasSum = state.HasSum;
            start = state.StartMs;
            buckets = state.Buckets;
        }
        buckets.Cumulative(_buckets);
        _series.Clear();
        _values.Clear();
        string bucket = family + "_bucket";
        foreach (var (bound, cumulative) in _buckets)
        {
            _series.Add(Series(labels, bucket, "le", BoundText(bound)));
            _values.Add(cumulative);
        }
        EndHistogram(labels, family, bucket, count, hasSum, sum, key, start, t, stale);
    }

    /// <summary>Adds the <c>+Inf</c> bucket, <c>_sum</c> and <c>_count</c> to the bucket series collected, then stores them all.</summary>
    private void EndHistogram(Label[] labels, string family, string bucket, double count, bool hasSum, double sum, LabelSet key, long start, long t, bool stale)
    {
        _series.Add(Series(labels, bucket, "le", "+Inf"));
        _values.Add(count);
        if (hasSum)
        {
            _series.Add(Series(labels, family + "_sum"));
            _values.Add(sum);
        }
        _series.Add(Series(labels, family + "_count"));
        _values.Add(count);
        AppendAll(key, start, t, stale);
    }

    private void SummaryPoint(Metric m, string family, SummaryDataPoint p)
    {
        long t = Time(m, p.TimeUnixNano);
        var labels = PointLabels(p.Attributes);
        _series.Clear();
        _values.Clear();
        foreach (var q in p.QuantileValues)
        {
            if (!(q.Quantile >= 0 && q.Quantile <= 1))
            {
                throw new OtlpException(string.Create(CultureInfo.InvariantCulture, $"metric \"{m.Name}\": quantile {q.Quantile} is outside 0..1"));
            }
            _series.Add(Series(labels, family, "quantile", BoundText(q.Quantile)));
            _values.Add(q.Value);
        }
        _series.Add(Series(labels, family + "_sum"));
        _values.Add(p.Sum);
        _series.Add(Series(labels, family + "_count"));
        _values.Add(p.Count);
        AppendAll(Series(labels, family), Millis(p.StartTimeUnixNano), t, IsStale(p.Flags));
    }

    /// <summary>Stores the collected series and values at <paramref name="t"/>, after their created-timestamp zeros.</summary>
    private void AppendAll(LabelSet key, long start, long t, bool stale)
    {
        if (!stale)
        {
            CreatedZeros(key, start, t);
        }
        for (int i = 0; i < _series.Count; i++)
        {
            Append(_series[i], t, stale ? StaleMarker.StaleNaN : _values[i]);
        }
    }

    private static void CheckBuckets(Metric m, RepeatedField<double> bounds, RepeatedField<ulong> counts, ulong count)
    {
        if (bounds.Count > MaxBuckets)
        {
            throw new OtlpException($"metric \"{m.Name}\": a histogram point has {bounds.Count} bucket bounds; at most {MaxBuckets} are accepted");
        }
        if (counts.Count == 0)
        {
            return;
        }
        if (counts.Count != bounds.Count + 1)
        {
            throw new OtlpException($"metric \"{m.Name}\": a histogram point has {counts.Count} bucket counts for {bounds.Count} bounds; it needs one more count than bounds");
        }
        for (int i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            {
                throw new OtlpException($"metric \"{m.Name}\": histogram bounds must be finite and increasing");
            }
        }
        ulong total = 0;
        foreach (ulong c in counts)
        {
            total = unchecked(total + c);
        }
        if (total != count)
        {
            throw new OtlpException(string.Create(CultureInfo.InvariantCulture,
                $"metric \"{m.Name}\": the histogram's bucket counts add up to {total} but its count is {count}"));
        }
    }

    private static bool SameBounds(HistogramDeltaState state, RepeatedField<double> bounds, bool hasBuckets)
    {
        if (!hasBuckets)
        {
            return state.Counts.Length == 0;
        }
        if (state.Bounds.Length != bounds.Count || state.Counts.Length != bounds.Count + 1)
        {
            return false;
        }
        for (int i = 0; i < bounds.Count; i++)
        {
            if (state.Bounds[i] != bounds[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A bucket bound or quantile as Prometheus's OTLP receiver writes it (Go's shortest <c>%f</c>: <c>0.005</c>, <c>1</c>, <c>1024</c>).</summary>
    private string BoundText(double bound)
    {
        if (!_boundText.TryGetValue(bound, out string? text))
        {
            text = ShortestDouble.Format(bound);
            _boundText[bound] = text;
        }
        return text;
    }

    /// <summary>
    /// <c>target_info</c> of a resource with attributes besides the identifying ones: those attributes as labels, with
    /// <c>job</c> and <c>instance</c>, value 1, from the resource's first to its last data point every 2.5 minutes (half
    /// the lookback delta, so an instant query always finds one).
    /// </summary>
    private void AddTargetInfo(Resource? resource)
    {
        if (resource is null || _minT > _maxT)
        {
            return;
        }
        _labels.Clear();
        _labelIndex.Clear();
        int nonIdentifying = 0;
        foreach (var kv in resource.Attributes)
        {
            if (!IsIdentifying(kv.Key))
            {
                nonIdentifying++;
            }
        }
        if (nonIdentifying == 0)
        {
            return;
        }
        AddAttributes(resource.Attributes, skipIdentifying: !options.KeepIdentifyingResourceAttributes);
        SetLabel("job", _job);
        SetLabel("instance", _instance);
        if (_job.Length == 0 && _instance.Length == 0)
        {
            return;
        }
        var series = Series(SortedLabels(), TargetInfo);
        long from = Math.Max(_minT, _maxT - (MaxTargetInfoSamples * TargetInfoStepMs));
        for (long t = from; t < _maxT; t += TargetInfoStepMs)
        {
            Append(series, t, 1);
        }
        Append(series, _maxT, 1);
    }
}
