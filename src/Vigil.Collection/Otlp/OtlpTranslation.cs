using System.Globalization;
using Google.Protobuf.Collections;
using Vigil.Collection.Otlp.Proto;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Otlp;

/// <summary>
/// One request's translation from OTLP to Prometheus series, as Prometheus 3's OTLP receiver does it: names by
/// <see cref="OtlpNames"/>, <c>job</c> from <c>service.namespace/service.name</c>, <c>instance</c> from
/// <c>service.instance.id</c>, the other resource attributes on <c>target_info</c>, gauges and non-monotonic sums as
/// gauges, monotonic sums as counters, histograms as classic <c>_bucket</c>/<c>_sum</c>/<c>_count</c> series,
/// exponential histograms regrouped at power-of-two bounds (<see cref="PowerOfTwoBuckets"/>), summaries as quantiles,
/// <c>_sum</c> and <c>_count</c>. Delta points are added up into cumulative ones (<see cref="DeltaStore"/>). Exemplars
/// are dropped (the TSDB does not store them).
/// </summary>
/// <remarks>Not thread-safe: one instance per request. Allocates per series, not per attribute lookup (names are cached for the request).</remarks>
internal sealed partial class OtlpTranslation(OtlpReceiver receiver, OtlpOptions options, IAppender app, long nowMs)
{
    /// <summary>The most explicit bucket bounds one histogram point may have.</summary>
    public const int MaxBuckets = 10_000;

    private const string TargetInfo = "target_info";
    private const long TargetInfoStepMs = 150_000;
    private const int MaxTargetInfoSamples = 1_000;

    private readonly OtlpTranslationStrategy _strategy = options.TranslationStrategy;
    private readonly Dictionary<string, string> _labelNames = new(StringComparer.Ordinal);
    private readonly List<Label> _labels = new();
    private readonly Dictionary<string, int> _labelIndex = new(StringComparer.Ordinal);
    private string[] _keys = new string[16];
    private int[] _index = new int[16];
    private readonly Dictionary<LabelSet, DeltaState> _deltaChanges = new();
    private readonly Dictionary<string, MetricMetadata> _metadata = new(StringComparer.Ordinal);
    private readonly List<(LabelSet Key, long Start)> _startTimes = new();
    private readonly List<LabelSet> _series = new();
    private readonly List<(double Bound, double Count)> _buckets = new();
    private readonly PowerOfTwoBuckets _exponential = new();
    private bool _holdsDeltaLock;
    private int _newDeltaSeries;
    private bool _done;

    // The current resource and scope.
    private readonly List<Label> _promoted = new();
    private readonly List<Label> _scopeLabels = new();
    private string _job = string.Empty;
    private string _instance = string.Empty;
    private long _minT;
    private long _maxT;

    /// <summary>Samples appended.</summary>
    public int Samples { get; private set; }

    /// <summary>Data points dropped (partial success).</summary>
    public long Rejected { get; private set; }

    /// <summary>Why the first dropped point was dropped.</summary>
    public string? RejectedMessage { get; private set; }

    /// <summary>Metadata of the metric families stored, to record after the commit.</summary>
    public IEnumerable<MetricMetadata> Metadata => _metadata.Values;

    /// <summary>Start times stored as created-timestamp zeros, to remember after the commit.</summary>
    public List<(LabelSet Key, long Start)> StartTimes => _startTimes;

    /// <summary>Translates and appends every metric of the request; throws <see cref="OtlpException"/> at the first problem.</summary>
    public void Run(ExportMetricsServiceRequest request)
    {
        for (int r = 0; r < request.ResourceMetrics.Count; r++)
        {
            var rm = request.ResourceMetrics[r];
            BeginResource(rm.Resource);
            foreach (var sm in rm.ScopeMetrics)
            {
                BeginScope(sm);
                foreach (var metric in sm.Metrics)
                {
                    Metric(metric);
                }
            }
            AddTargetInfo(rm.Resource);
        }
    }

    /// <summary>Commits the appended samples and the running totals; rolls back and rethrows when the storage fails.</summary>
    public void Commit()
    {
        try
        {
            app.Commit();
        }
        catch
        {
            _done = true;
            throw;
        }
        _done = true;
        if (_holdsDeltaLock)
        {
            receiver.Deltas.Commit(_deltaChanges);
        }
    }

    /// <summary>Rolls back what was not committed and lets the next delta request in. Always called.</summary>
    public void Release()
    {
        if (!_done)
        {
            _done = true;
            app.Rollback();
        }
        if (_holdsDeltaLock)
        {
            _holdsDeltaLock = false;
            Monitor.Exit(receiver.Deltas.Lock);
        }
    }

    private void BeginResource(Resource? resource)
    {
        _promoted.Clear();
        _job = string.Empty;
        _instance = string.Empty;
        _minT = long.MaxValue;
        _maxT = long.MinValue;
        if (resource is null)
        {
            return;
        }
        string name = string.Empty, ns = string.Empty;
        bool hasName = false;
        foreach (var kv in resource.Attributes)
        {
            switch (kv.Key)
            {
                case "service.name":
                    name = AttributeValues.AsString(kv.Value);
                    hasName = true;
                    break;
                case "service.namespace":
                    ns = AttributeValues.AsString(kv.Value);
                    break;
                case "service.instance.id":
                    _instance = AttributeValues.AsString(kv.Value);
                    break;
            }
        }
        if (hasName)
        {
            _job = ns.Length != 0 ? ns + "/" + name : name;
        }
        foreach (var kv in resource.Attributes)
        {
            if (IsPromoted(kv.Key))
            {
                _promoted.Add(new Label(LabelName(kv.Key), AttributeValues.AsString(kv.Value)));
            }
        }
    }

    private bool IsPromoted(string key)
    {
        if (options.PromoteAllResourceAttributes)
        {
            foreach (string ignored in options.IgnoreResourceAttributes)
            {
                if (ignored == key)
                {
                    return false;
                }
            }
            return true;
        }
        foreach (string promoted in options.PromoteResourceAttributes)
        {
            if (promoted == key)
            {
                return true;
            }
        }
        return false;
    }

    private void BeginScope(ScopeMetrics sm)
    {
        _scopeLabels.Clear();
        if (!options.PromoteScopeMetadata || sm.Scope is not { Name.Length: > 0 } scope)
        {
            return;
        }
        _scopeLabels.Add(new Label("otel_scope_name", scope.Name));
        _scopeLabels.Add(new Label("otel_scope_version", scope.Version));
        _scopeLabels.Add(new Label("otel_scope_schema_url", sm.SchemaUrl));
        foreach (var kv in scope.Attributes)
        {
            _scopeLabels.Add(new Label(LabelName("otel_scope_" + kv.Key), AttributeValues.AsString(kv.Value)));
        }
    }

    private void Metric(Metric m)
    {
        switch (m.DataCase)
        {
            case Proto.Metric.DataOneofCase.Gauge:
            {
                string family = Family(m, OtlpMetricKind.Gauge, MetricType.Gauge);
                foreach (var p in m.Gauge.DataPoints)
                {
                    NumberPoint(m, family, p, counter: false, delta: false);
                }
                break;
            }
            case Proto.Metric.DataOneofCase.Sum:
            {
                bool delta = IsDelta(m, m.Sum.AggregationTemporality);
                bool counter = m.Sum.IsMonotonic;
                string family = Family(m, counter ? OtlpMetricKind.Counter : OtlpMetricKind.Gauge, counter ? MetricType.Counter : MetricType.Gauge);
                foreach (var p in m.Sum.DataPoints)
                {
                    NumberPoint(m, family, p, counter, delta);
                }
                break;
            }
            case Proto.Metric.DataOneofCase.Histogram:
            {
                bool delta = IsDelta(m, m.Histogram.AggregationTemporality);
                string family = Family(m, OtlpMetricKind.Histogram, MetricType.Histogram);
                foreach (var p in m.Histogram.DataPoints)
                {
                    HistogramPoint(m, family, p, delta);
                }
                break;
            }
            case Proto.Metric.DataOneofCase.ExponentialHistogram:
            {
                bool delta = IsDelta(m, m.ExponentialHistogram.AggregationTemporality);
                string family = Family(m, OtlpMetricKind.ExponentialHistogram, MetricType.Histogram);
                foreach (var p in m.ExponentialHistogram.DataPoints)
                {
                    ExponentialPoint(m, family, p, delta);
                }
                break;
            }
            case Proto.Metric.DataOneofCase.Summary:
            {
                string family = Family(m, OtlpMetricKind.Summary, MetricType.Summary);
                foreach (var p in m.Summary.DataPoints)
                {
                    SummaryPoint(m, family, p);
                }
                break;
            }
            default:
                // Note: a metric without data (none of the five kinds set) has nothing to store, as in Prometheus.
                break;
        }
    }

    private static bool IsDelta(Metric m, AggregationTemporality temporality) => temporality switch
    {
        AggregationTemporality.Delta => true,
        AggregationTemporality.Cumulative => false,
        _ => throw new OtlpException($"metric \"{m.Name}\": aggregation_temporality must be DELTA (1) or CUMULATIVE (2), got {(int)temporality}"),
    };

    private string Family(Metric m, OtlpMetricKind kind, MetricType type)
    {
        string family = OtlpNames.MetricName(m.Name, m.Unit, kind, _strategy, out string error) ?? throw new OtlpException(error);
        if (!_metadata.ContainsKey(family))
        {
            _metadata[family] = new MetricMetadata(family, type, m.Description, OtlpNames.UnitName(m.Unit, _strategy.Escapes()));
        }
        return family;
    }

    private string LabelName(string key)
    {
        if (!_labelNames.TryGetValue(key, out string? name))
        {
            name = OtlpNames.LabelName(key, _strategy, out string error) ?? throw new OtlpException(error);
            _labelNames[key] = name;
        }
        return name;
    }

    /// <summary>
    /// The labels of one data point (without <c>__name__</c>), sorted: its attributes (keys that translate to the same
    /// name joined with <c>;</c> in key order), promoted resource attributes it does not have, scope labels, then
    /// <c>job</c> and <c>instance</c>. Empty values are left out.
    /// </summary>
    private Label[] PointLabels(RepeatedField<KeyValue> attributes)
    {
        _labels.Clear();
        _labelIndex.Clear();
        AddAttributes(attributes, skipIdentifying: false);
        foreach (var l in _promoted)
        {
            if (!_labelIndex.ContainsKey(l.Name))
            {
                _labelIndex[l.Name] = _labels.Count;
                _labels.Add(l);
            }
        }
        foreach (var l in _scopeLabels)
        {
            SetLabel(l.Name, l.Value);
        }
        SetLabel("job", _job);
        SetLabel("instance", _instance);
        return SortedLabels();
    }

    /// <summary>Adds attributes in key order, joining values whose keys translate to the same name with <c>;</c>; returns how many were added.</summary>
    private int AddAttributes(RepeatedField<KeyValue> attributes, bool skipIdentifying)
    {
        if (_keys.Length < attributes.Count)
        {
            _keys = new string[Math.Max(attributes.Count, 2 * _keys.Length)];
            _index = new int[_keys.Length];
        }
        int n = 0;
        for (int i = 0; i < attributes.Count; i++)
        {
            if (!skipIdentifying || !IsIdentifying(attributes[i].Key))
            {
                _keys[n] = attributes[i].Key;
                _index[n++] = i;
            }
        }
        if (n > 1)
        {
            Array.Sort(_keys, _index, 0, n, StringComparer.Ordinal);
        }
        for (int k = 0; k < n; k++)
        {
            var kv = attributes[_index[k]];
            string name = LabelName(kv.Key);
            string value = AttributeValues.AsString(kv.Value);
            if (_labelIndex.TryGetValue(name, out int at))
            {
                _labels[at] = new Label(name, _labels[at].Value + ";" + value);
            }
            else
            {
                _labelIndex[name] = _labels.Count;
                _labels.Add(new Label(name, value));
            }
        }
        return n;
    }

    private static bool IsIdentifying(string key) => key is "service.name" or "service.namespace" or "service.instance.id";

    /// <summary>The collected labels with a value, sorted by name, without <c>__name__</c>.</summary>
    private Label[] SortedLabels()
    {
        int n = 0;
        foreach (var l in _labels)
        {
            if (l.Value.Length != 0 && l.Name != LabelSet.MetricName)
            {
                n++;
            }
        }
        var result = new Label[n];
        n = 0;
        foreach (var l in _labels)
        {
            if (l.Value.Length != 0 && l.Name != LabelSet.MetricName)
            {
                result[n++] = l;
            }
        }
        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private void SetLabel(string name, string value)
    {
        if (_labelIndex.TryGetValue(name, out int at))
        {
            _labels[at] = new Label(name, value);
        }
        else
        {
            _labelIndex[name] = _labels.Count;
            _labels.Add(new Label(name, value));
        }
    }

    /// <summary>A series: the point's labels plus <c>__name__</c> and optionally one more label (<c>le</c>, <c>quantile</c>), which win over the point's.</summary>
    private static LabelSet Series(Label[] sorted, string name, string? extraName = null, string? extraValue = null)
    {
        var result = new Label[sorted.Length + (extraName is null ? 1 : 2)];
        int n = 0;
        bool nameDone = false, extraDone = extraName is null;
        foreach (var l in sorted)
        {
            if (extraName is not null && l.Name == extraName)
            {
                continue;
            }
            if (!nameDone && string.CompareOrdinal(LabelSet.MetricName, l.Name) < 0)
            {
                result[n++] = new Label(LabelSet.MetricName, name);
                nameDone = true;
            }
            if (!extraDone && string.CompareOrdinal(extraName, l.Name) < 0)
            {
                result[n++] = new Label(extraName!, extraValue!);
                extraDone = true;
            }
            result[n++] = l;
        }
        if (!nameDone)
        {
            if (!extraDone && string.CompareOrdinal(extraName, LabelSet.MetricName) < 0)
            {
                result[n++] = new Label(extraName!, extraValue!);
                extraDone = true;
            }
            result[n++] = new Label(LabelSet.MetricName, name);
        }
        if (!extraDone)
        {
            result[n++] = new Label(extraName!, extraValue!);
        }
        if (n != result.Length)
        {
            Array.Resize(ref result, n);
        }
        return LabelSet.FromSortedUnsafe(result);
    }

    /// <summary>The point's time in milliseconds; a point without one is refused, as the specification asks.</summary>
    private long Time(Metric m, ulong timeUnixNano)
    {
        if (timeUnixNano == 0)
        {
            throw new OtlpException($"metric \"{m.Name}\": a data point has no time_unix_nano");
        }
        long t = (long)(timeUnixNano / 1_000_000);
        _minT = Math.Min(_minT, t);
        _maxT = Math.Max(_maxT, t);
        return t;
    }

    private static long Millis(ulong unixNano) => (long)(unixNano / 1_000_000);

    private static bool IsStale(uint flags) => (flags & (uint)DataPointFlags.NoRecordedValueMask) != 0;

    private void Append(LabelSet series, long t, double v)
    {
        var r = SeriesRef.None;
        if (app.TryAppend(ref r, series, t, v, out var error))
        {
            Samples++;
            return;
        }
        var refused = StorageException.ForAppend(error, series, t);
        if (error is AppendError.OutOfSpace or AppendError.Closed)
        {
            throw refused;
        }
        throw new OtlpException(refused.Message);
    }

    /// <summary>
    /// Stores a zero at <paramref name="startMs"/> in every series of <see cref="_series"/> when this start time is new for
    /// <paramref name="key"/> (the created timestamp of a counter, histogram or summary); a refused zero (older data is
    /// already there) is not an error.
    /// </summary>
    private void CreatedZeros(LabelSet key, long startMs, long t)
    {
        if (!options.CreatedTimestampZeroIngestion || startMs <= 0 || startMs >= t || receiver.KnownStartTime(key) == startMs)
        {
            return;
        }
        foreach (var series in _series)
        {
            var r = SeriesRef.None;
            app.TryAppend(ref r, series, startMs, 0, out _);
        }
        _startTimes.Add((key, startMs));
    }

    /// <summary>
    /// The running total of a delta series for this request (a copy of the stored one), or a new one (<paramref name="fresh"/>;
    /// the caller fills it) when the series has none or one of another kind; null when the point is rejected (a repeat,
    /// or no room for another series).
    /// </summary>
    private T? DeltaState<T>(LabelSet key, ulong startNano, long t, out bool fresh)
        where T : DeltaState, new()
    {
        fresh = false;
        if (!_holdsDeltaLock)
        {
            Monitor.Enter(receiver.Deltas.Lock);
            _holdsDeltaLock = true;
            receiver.Deltas.Sweep(nowMs, options.DeltaSeriesIdle);
        }
        if (!_deltaChanges.TryGetValue(key, out var state))
        {
            state = receiver.Deltas.Find(key)?.Clone();
            if (state is null && receiver.Deltas.Count + _newDeltaSeries >= options.MaxDeltaSeries)
            {
                Reject($"delta series {key} was dropped: {options.MaxDeltaSeries} delta series already have running totals (otlp.max_delta_series)");
                return null;
            }
            if (state is null)
            {
                _newDeltaSeries++;
            }
        }
        if (state is T typed)
        {
            if (t <= typed.LastMs)
            {
                Reject($"delta point of {key} at {t.ToString(CultureInfo.InvariantCulture)} is not newer than the previous one ({typed.LastMs.ToString(CultureInfo.InvariantCulture)}); it was dropped");
                return null;
            }
        }
        else
        {
            typed = NewDelta<T>(startNano, t);
            fresh = true;
        }
        typed.LastMs = t;
        typed.TouchedMs = nowMs;
        _deltaChanges[key] = typed;
        return typed;
    }

    /// <summary>A new running total starting at the point's start time (or its time, when the start is missing or not before it).</summary>
    private static T NewDelta<T>(ulong startNano, long t)
        where T : DeltaState, new()
    {
        long start = Millis(startNano);
        return new T { StartMs = start > 0 && start < t ? start : t };
    }

    /// <summary>Replaces a running total that cannot continue (other bucket bounds) with a new one in this request.</summary>
    private T RestartDelta<T>(LabelSet key, ulong startNano, long t)
        where T : DeltaState, new()
    {
        var state = NewDelta<T>(startNano, t);
        state.LastMs = t;
        state.TouchedMs = nowMs;
        _deltaChanges[key] = state;
        return state;
    }

    private void Reject(string why)
    {
        Rejected++;
        RejectedMessage ??= why;
    }
}
