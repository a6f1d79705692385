using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vigil.Server.Metrics;

/// <summary>
/// Listens to .NET meters (by default <c>System.Runtime</c> and every meter named <c>Vigil.*</c>) and turns their
/// instruments into Prometheus metric families, named by <see cref="MetricNames"/>.
/// </summary>
/// <remarks>
/// Counters and up-down counters are summed, gauges keep the last value, histograms count into explicit buckets
/// (the instrument's advice, else Prometheus's default buckets for seconds, else OpenTelemetry's defaults).
/// Observable instruments are read on every <see cref="Collect"/>. Instruments from different meters that map to the
/// same Prometheus name are merged (sums add up). Recording is thread-safe and allocation-free once a tag combination
/// has been seen; <see cref="Collect"/> may be called from any thread.
/// </remarks>
internal sealed class MeterBridge : IDisposable
{
    /// <summary>Distinct tag combinations kept per instrument; more are dropped (with one warning) to bound memory.</summary>
    public const int MaxPointsPerInstrument = 2000;

    private static readonly double[] PrometheusDefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] OpenTelemetryDefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener;
    private readonly Func<Meter, bool> _meterFilter;
    private readonly ILogger _logger;
    private readonly object _collectLock = new();
    private readonly object _instrumentsLock = new();
    private readonly List<InstrumentState> _instruments = new();
    private long _pass;

    public MeterBridge(ILogger? logger = null, Func<Meter, bool>? meterFilter = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _meterFilter = meterFilter ?? DefaultMeterFilter;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((InstrumentState)state!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>True for <c>System.Runtime</c> and meters whose name starts with <c>Vigil.</c>.</summary>
    public static bool DefaultMeterFilter(Meter meter)
        => meter.Name == "System.Runtime" || meter.Name.StartsWith("Vigil.", StringComparison.Ordinal);

    /// <summary>Reads observable instruments and appends one family per Prometheus metric name, sorted by name.</summary>
    public void Collect(List<MetricFamily> into)
    {
        lock (_collectLock)
        {
            long pass = Interlocked.Increment(ref _pass);
            // Note: observable callbacks run synchronously here and stamp their points with the current pass.
            _listener.RecordObservableInstruments();
            InstrumentState[] states;
            lock (_instrumentsLock)
            {
                states = [.. _instruments];
            }
            var families = new SortedDictionary<string, FamilyBuilder>(StringComparer.Ordinal);
            foreach (var state in states)
            {
                if (!families.TryGetValue(state.FamilyName, out var fb))
                {
                    fb = new FamilyBuilder(state);
                    families.Add(state.FamilyName, fb);
                }
                else if (fb.First.Type != state.Type)
                {
                    continue; // reported once when the instrument was published
                }
                state.ForEachPoint(pass, fb.Add);
            }
            foreach (var fb in families.Values)
            {
                if (fb.HasPoints)
                {
                    into.Add(fb.Build());
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterFilter(instrument.Meter))
        {
            return;
        }
        if (!TryClassify(instrument, out var kind, out var type))
        {
            return;
        }
        string name = Core.Exposition.PrometheusNames.FromInstrument(instrument.Name, instrument.Unit, type switch
        {
            MetricType.Counter => Core.Exposition.MetricType.Counter,
            MetricType.Gauge => Core.Exposition.MetricType.Gauge,
            MetricType.Histogram => Core.Exposition.MetricType.Histogram,
            _ => Core.Exposition.MetricType.Unknown,
        });
        double[]? bounds = kind == PointKind.Histogram ? HistogramBounds(instrument) : null;
        var state = new InstrumentState(instrument, name, type, kind, bounds, this);
        lock (_instrumentsLock)
        {
            foreach (var other in _instruments)
            {
                if (other.FamilyName == name && other.Type != type)
                {
                    _logger.LogWarning("Metric {Name} from instrument {Instrument} of meter {Meter} is a {Type} but an earlier instrument made it a {OtherType}; ignoring it",
                        name, instrument.Name, instrument.Meter.Name, type, other.Type);
                    return;
                }
            }
            _instruments.Add(state);
        }
        listener.EnableMeasurementEvents(instrument, state);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        lock (_instrumentsLock)
        {
            _instruments.Remove((InstrumentState)state!);
        }
    }

    private void WarnTooManyPoints(InstrumentState state)
        => _logger.LogWarning("Instrument {Instrument} of meter {Meter} has more than {Max} tag combinations; new ones are dropped",
            state.Instrument.Name, state.Instrument.Meter.Name, MaxPointsPerInstrument);

    private static bool TryClassify(Instrument instrument, out PointKind kind, out MetricType type)
    {
        kind = default;
        type = default;
        var t = instrument.GetType();
        if (!t.IsGenericType)
        {
            return false;
        }
        var def = t.GetGenericTypeDefinition();
        if (def == typeof(Counter<>))
        {
            (kind, type) = (PointKind.SyncSum, MetricType.Counter);
        }
        else if (def == typeof(UpDownCounter<>))
        {
            (kind, type) = (PointKind.SyncSum, MetricType.Gauge);
        }
        else if (def == typeof(ObservableCounter<>))
        {
            (kind, type) = (PointKind.ObservedSum, MetricType.Counter);
        }
        else if (def == typeof(ObservableUpDownCounter<>))
        {
            (kind, type) = (PointKind.ObservedSum, MetricType.Gauge);
        }
        else if (def == typeof(ObservableGauge<>))
        {
            (kind, type) = (PointKind.ObservedLast, MetricType.Gauge);
        }
        else if (def == typeof(Gauge<>))
        {
            (kind, type) = (PointKind.SyncLast, MetricType.Gauge);
        }
        else if (def == typeof(Histogram<>))
        {
            (kind, type) = (PointKind.Histogram, MetricType.Histogram);
        }
        else
        {
            return false;
        }
        return true;
    }

    private static double[] HistogramBounds(Instrument instrument)
    {
        double[]? advised = instrument switch
        {
            Histogram<double> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<float> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<long> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<int> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<short> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<byte> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<decimal> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            _ => null,
        };
        if (advised is { Length: > 0 })
        {
            Array.Sort(advised);
            return advised;
        }
        return instrument.Unit == "s" ? PrometheusDefaultBuckets : OpenTelemetryDefaultBuckets;
    }

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? values)
        where T : struct
    {
        if (values is null)
        {
            return null;
        }
        var result = new double[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Convert.ToDouble(values[i], CultureInfo.InvariantCulture);
        }
        return result;
    }


    /// <summary>How an instrument's measurements become a point value.</summary>
    private enum PointKind
    {
        SyncSum,
        SyncLast,
        ObservedSum,
        ObservedLast,
        Histogram,
    }

    /// <summary>The current value(s) for one tag combination of one instrument.</summary>
    private sealed class Point
    {
        public Point(KeyValuePair<string, object?>[] tags, (string Name, string Value)[] labels, int buckets)
        {
            Tags = tags;
            Labels = labels;
            Buckets = buckets > 0 ? new long[buckets] : null;
        }

        public KeyValuePair<string, object?>[] Tags { get; }

        /// <summary>Sanitized label pairs, sorted by name.</summary>
        public (string Name, string Value)[] Labels { get; }

        public long[]? Buckets { get; }

        public double Value;

        public double Sum;

        public long Pass;

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var mine = Tags;
            if (mine.Length != tags.Length)
            {
                return false;
            }
            for (int i = 0; i < tags.Length; i++)
            {
                // Fast path: same order as when the point was created.
                if (string.Equals(mine[i].Key, tags[i].Key, StringComparison.Ordinal))
                {
                    if (!Equals(mine[i].Value, tags[i].Value))
                    {
                        return false;
                    }
                    continue;
                }
                bool found = false;
                foreach (var m in mine)
                {
                    if (string.Equals(m.Key, tags[i].Key, StringComparison.Ordinal))
                    {
                        found = Equals(m.Value, tags[i].Value);
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

    /// <summary>Per-instrument state, passed to the listener as the measurement callback state.</summary>
    private sealed class InstrumentState(Instrument instrument, string familyName, MetricType type, PointKind kind, double[]? bounds, MeterBridge owner)
    {
        private readonly object _lock = new();
        private Point? _untagged;
        private Point[] _tagged = [];
        private bool _warnedFull;

        public Instrument Instrument { get; } = instrument;

        public string FamilyName { get; } = familyName;

        public MetricType Type { get; } = type;

        public PointKind Kind { get; } = kind;

        public double[]? Bounds { get; } = bounds;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var point = tags.Length == 0 ? (Volatile.Read(ref _untagged) ?? GetOrAdd(tags)) : Find(tags) ?? GetOrAdd(tags);
            if (point is null)
            {
                return;
            }
            switch (Kind)
            {
                case PointKind.SyncSum:
                    AtomicAdd(ref point.Value, value);
                    break;
                case PointKind.SyncLast:
                    Volatile.Write(ref point.Value, value);
                    break;
                case PointKind.ObservedSum:
                case PointKind.ObservedLast:
                    point.Value = value;
                    point.Pass = Volatile.Read(ref owner._pass);
                    break;
                case PointKind.Histogram:
                    if (double.IsNaN(value))
                    {
                        return;
                    }
                    int idx = Array.BinarySearch(Bounds!, value);
                    Interlocked.Increment(ref point.Buckets![idx >= 0 ? idx : ~idx]);
                    AtomicAdd(ref point.Sum, value);
                    break;
            }
        }

        public void ForEachPoint(long pass, Action<InstrumentState, Point> action)
        {
            var untagged = Volatile.Read(ref _untagged);
            if (untagged is not null && Visible(untagged, pass))
            {
                action(this, untagged);
            }
            foreach (var p in Volatile.Read(ref _tagged))
            {
                if (Visible(p, pass))
                {
                    action(this, p);
                }
            }
        }

        private bool Visible(Point p, long pass) => Kind is not (PointKind.ObservedSum or PointKind.ObservedLast) || p.Pass == pass;

        private Point? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var p in Volatile.Read(ref _tagged))
            {
                if (p.Matches(tags))
                {
                    return p;
                }
            }
            return null;
        }

        private Point? GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_lock)
            {
                if (tags.Length == 0)
                {
                    return _untagged ??= new Point([], [], Bounds is null ? 0 : Bounds.Length + 1);
                }
                var existing = Find(tags);
                if (existing is not null)
                {
                    return existing;
                }
                if (_tagged.Length >= MaxPointsPerInstrument)
                {
                    if (!_warnedFull)
                    {
                        _warnedFull = true;
                        owner.WarnTooManyPoints(this);
                    }
                    return null;
                }
                var p = new Point(tags.ToArray(), ToLabels(tags), Bounds is null ? 0 : Bounds.Length + 1);
                Volatile.Write(ref _tagged, [.. _tagged, p]);
                return p;
            }
        }

        private static (string, string)[] ToLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var sortedTags = tags.ToArray();
            Array.Sort(sortedTags, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            foreach (var t in sortedTags)
            {
                string name = Core.Exposition.PrometheusNames.LabelName(t.Key);
                string value = Core.Exposition.PrometheusNames.TagValue(t.Value);
                if (name.Length == 0 || value.Length == 0)
                {
                    continue;
                }
                // Note: OpenTelemetry's rule for keys that collide after sanitizing: join the values with ';'.
                byName[name] = byName.TryGetValue(name, out var prev) ? prev + ";" + value : value;
            }
            var result = new (string, string)[byName.Count];
            int i = 0;
            foreach (var kv in byName)
            {
                result[i++] = (kv.Key, kv.Value);
            }
            return result;
        }

        private static void AtomicAdd(ref double target, double value)
        {
            double current = Volatile.Read(ref target);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref target, current + value, current);
                if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
                {
                    return;
                }
                current = seen;
            }
        }
    }

    /// <summary>Merges the points of all instruments that share a Prometheus name into one family.</summary>
    private sealed class FamilyBuilder(InstrumentState first)
    {
        private readonly Dictionary<string, Merged> _byLabels = new(StringComparer.Ordinal);

        public InstrumentState First { get; } = first;

        public bool HasPoints => _byLabels.Count > 0;

        public void Add(InstrumentState state, Point p)
        {
            string key = Key(p.Labels);
            if (!_byLabels.TryGetValue(key, out var m))
            {
                m = new Merged(p.Labels, state.Bounds);
                _byLabels.Add(key, m);
            }
            switch (state.Kind)
            {
                case PointKind.SyncSum:
                case PointKind.ObservedSum:
                    m.Value += Volatile.Read(ref p.Value);
                    break;
                case PointKind.SyncLast:
                case PointKind.ObservedLast:
                    m.Value = Volatile.Read(ref p.Value);
                    break;
                case PointKind.Histogram:
                    if (m.Bounds is null || state.Bounds is null || !m.Bounds.AsSpan().SequenceEqual(state.Bounds))
                    {
                        return; // same name, different buckets: cannot be merged
                    }
                    for (int i = 0; i < m.Buckets!.Length; i++)
                    {
                        m.Buckets[i] += Interlocked.Read(ref p.Buckets![i]);
                    }
                    m.Value += Volatile.Read(ref p.Sum);
                    break;
            }
        }

        public MetricFamily Build()
        {
            var instrument = First.Instrument;
            string help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
            var family = new MetricFamily(First.FamilyName, First.Type, help);
            var merged = _byLabels.Values.ToList();
            merged.Sort(static (a, b) => string.CompareOrdinal(Key(a.Labels), Key(b.Labels)));
            foreach (var m in merged)
            {
                if (First.Type != MetricType.Histogram)
                {
                    family.Add(m.Value, Pairs(m.Labels, null));
                    continue;
                }
                long cumulative = 0;
                for (int i = 0; i < m.Buckets!.Length; i++)
                {
                    cumulative += m.Buckets[i];
                    string le = i < m.Bounds!.Length ? m.Bounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                    family.AddNamed(family.Name + "_bucket", cumulative, Pairs(m.Labels, le));
                }
                family.AddNamed(family.Name + "_sum", m.Value, Pairs(m.Labels, null));
                family.AddNamed(family.Name + "_count", cumulative, Pairs(m.Labels, null));
            }
            return family;
        }

        private static string[] Pairs((string Name, string Value)[] labels, string? le)
        {
            var pairs = new string[(labels.Length * 2) + (le is null ? 0 : 2)];
            int j = 0;
            foreach (var (n, v) in labels)
            {
                pairs[j++] = n;
                pairs[j++] = v;
            }
            if (le is not null)
            {
                pairs[j++] = "le";
                pairs[j] = le;
            }
            return pairs;
        }

        private static string Key((string Name, string Value)[] labels)
        {
            var sb = new StringBuilder();
            foreach (var (n, v) in labels)
            {
                sb.Append(n).Append('\u0000').Append(v).Append('\u0001');
            }
            return sb.ToString();
        }

        private sealed class Merged((string, string)[] labels, double[]? bounds)
        {
            public (string Name, string Value)[] Labels { get; } = labels;

            public double[]? Bounds { get; } = bounds;

            public long[]? Buckets { get; } = bounds is null ? null : new long[bounds.Length + 1];

            public double Value;
        }
    }
}
