using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// Aggregates the instruments of named meters for exposition: counters and up-down counters are summed, gauges keep
/// the last value, histograms count into explicit buckets (the instrument's advice, else Prometheus's defaults for
/// seconds, else OpenTelemetry's defaults), observable instruments are read at each <see cref="Write"/>.
/// </summary>
/// <remarks>
/// Recording is thread-safe, lock-free and allocation-free once a tag combination has been seen: the point is found in
/// an open-addressing table by an order-independent hash of the tags, then updated with interlocked operations. At most
/// <see cref="MaxPointsPerInstrument"/> tag combinations are kept per instrument; later ones go to one overflow point
/// labelled <c>otel_metric_overflow="true"</c>, as OpenTelemetry does.
/// </remarks>
internal sealed class MeterAggregator : IDisposable
{
    /// <summary>Distinct tag combinations kept per instrument (OpenTelemetry's default cardinality limit).</summary>
    public const int MaxPointsPerInstrument = 2000;

    private static readonly double[] PrometheusSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] OpenTelemetryBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, MeterListener> _listeners = new(StringComparer.Ordinal);
    private readonly List<InstrumentAggregate> _instruments = new();

    /// <summary>Starts aggregating every instrument (present and future) of meters named <paramref name="meterName"/>.</summary>
    public void AddMeter(string meterName)
    {
        lock (_lock)
        {
            if (_listeners.ContainsKey(meterName))
            {
                return;
            }
            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == meterName)
                    {
                        Publish(instrument, l);
                    }
                },
                MeasurementsCompleted = (instrument, state) =>
                {
                    lock (_lock)
                    {
                        _instruments.Remove((InstrumentAggregate)state!);
                    }
                },
            };
            listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record((double)v, tags));
            _listeners.Add(meterName, listener);
            listener.Start();
        }
    }

    /// <summary>
    /// Reads observable instruments, then writes one family per Prometheus name, sorted by name, leaving out the meters
    /// named in <paramref name="exportedElsewhere"/> (written natively by the caller).
    /// </summary>
    public void Write(TextFormatWriter writer, IReadOnlySet<string>? exportedElsewhere = null)
    {
        InstrumentAggregate[] instruments;
        MeterListener[] listeners;
        lock (_lock)
        {
            listeners = [.. _listeners.Values];
            instruments = [.. _instruments];
        }
        foreach (var l in listeners)
        {
            // Note: observable callbacks run synchronously here; each sets its points' values for this pass.
            l.RecordObservableInstruments();
        }
        var families = new SortedDictionary<string, List<InstrumentAggregate>>(StringComparer.Ordinal);
        foreach (var i in instruments)
        {
            if (exportedElsewhere is not null && exportedElsewhere.Contains(i.Instrument.Meter.Name))
            {
                continue;
            }
            if (!families.TryGetValue(i.FamilyName, out var list))
            {
                families.Add(i.FamilyName, list = new List<InstrumentAggregate>());
            }
            if (list.Count == 0 || (list[0].Type == i.Type && SameBounds(list[0].Bounds, i.Bounds)))
            {
                list.Add(i);
            }
        }
        var labels = new List<Label>();
        foreach (var (name, list) in families)
        {
            writer.WriteMetadata(name, list[0].Type, list[0].Instrument.Description, list[0].UnitWord);
            foreach (var i in list)
            {
                i.Write(writer, labels);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var l in _listeners.Values)
            {
                l.Dispose();
            }
            _listeners.Clear();
        }
    }

    private void Publish(Instrument instrument, MeterListener listener)
    {
        if (!TryClassify(instrument, out var kind, out var type))
        {
            return;
        }
        var state = new InstrumentAggregate(instrument, kind, type, kind == PointKind.Histogram ? HistogramBounds(instrument) : null);
        lock (_lock)
        {
            _instruments.Add(state);
        }
        listener.EnableMeasurementEvents(instrument, state);
    }

    private static bool SameBounds(double[]? a, double[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static bool TryClassify(Instrument instrument, out PointKind kind, out MetricType type)
    {
        (kind, type) = (default, default);
        var t = instrument.GetType();
        if (!t.IsGenericType)
        {
            return false;
        }
        var def = t.GetGenericTypeDefinition();
        if (def == typeof(Counter<>))
        {
            (kind, type) = (PointKind.Sum, MetricType.Counter);
        }
        else if (def == typeof(UpDownCounter<>))
        {
            (kind, type) = (PointKind.Sum, MetricType.Gauge);
        }
        else if (def == typeof(ObservableCounter<>))
        {
            (kind, type) = (PointKind.Observed, MetricType.Counter);
        }
        else if (def == typeof(ObservableUpDownCounter<>) || def == typeof(ObservableGauge<>))
        {
            (kind, type) = (PointKind.Observed, MetricType.Gauge);
        }
        else if (def == typeof(Gauge<>))
        {
            (kind, type) = (PointKind.Last, MetricType.Gauge);
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
            _ => null,
        };
        if (advised is { Length: > 0 })
        {
            Array.Sort(advised);
            return advised;
        }
        return instrument.Unit == "s" ? PrometheusSecondsBuckets : OpenTelemetryBuckets;
    }

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? values)
        where T : struct, IConvertible
    {
        if (values is null)
        {
            return null;
        }
        var result = new double[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[i].ToDouble(CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>How measurements become a point's value.</summary>
    private enum PointKind
    {
        Sum,
        Last,
        Observed,
        Histogram,
    }

    /// <summary>The aggregate of one tag combination.</summary>
    private sealed class Point
    {
        public Point(int hash, KeyValuePair<string, object?>[] tags, Label[] labels, int buckets)
        {
            Hash = hash;
            Tags = tags;
            Labels = labels;
            Buckets = buckets > 0 ? new long[buckets] : null;
        }

        public int Hash { get; }

        public KeyValuePair<string, object?>[] Tags { get; }

        /// <summary>Sanitized labels sorted by name.</summary>
        public Label[] Labels { get; }

        public long[]? Buckets { get; }

        public double Value;

        public double Sum;

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var mine = Tags;
            if (mine.Length != tags.Length)
            {
                return false;
            }
            for (int i = 0; i < tags.Length; i++)
            {
                // Fast path: same order as when the point was created, usually the same string instances.
                var m = mine[i];
                if (ReferenceEquals(m.Key, tags[i].Key) || string.Equals(m.Key, tags[i].Key, StringComparison.Ordinal))
                {
                    if (!ReferenceEquals(m.Value, tags[i].Value) && !Equals(m.Value, tags[i].Value))
                    {
                        return false;
                    }
                    continue;
                }
                if (!ContainsPair(mine, tags[i]))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool ContainsPair(KeyValuePair<string, object?>[] mine, KeyValuePair<string, object?> tag)
        {
            foreach (var m in mine)
            {
                if (string.Equals(m.Key, tag.Key, StringComparison.Ordinal))
                {
                    return Equals(m.Value, tag.Value);
                }
            }
            return false;
        }
    }

    /// <summary>One instrument's points in a lock-free-read, locked-write open-addressing table.</summary>
    private sealed class InstrumentAggregate
    {
        private readonly Lock _lock = new();
        private readonly string[] _leText = [];
        private readonly string[] _leOpenMetrics = [];
        private Point?[] _table = new Point?[16];
        private int _count;
        private Point? _overflow;

        public InstrumentAggregate(Instrument instrument, PointKind kind, MetricType type, double[]? bounds)
        {
            Instrument = instrument;
            Kind = kind;
            Type = type;
            Bounds = bounds;
            FamilyName = PrometheusNames.FromInstrument(instrument.Name, instrument.Unit, type);
            UnitWord = string.IsNullOrEmpty(instrument.Unit) ? null : PrometheusNames.UnitWord(instrument.Unit);
            if (bounds is not null)
            {
                _leText = [.. bounds.Select(b => ProfilerMetricsWriter.FormatBound(b, openMetrics: false)), "+Inf"];
                _leOpenMetrics = [.. bounds.Select(b => ProfilerMetricsWriter.FormatBound(b, openMetrics: true)), "+Inf"];
            }
        }

        public Instrument Instrument { get; }

        public PointKind Kind { get; }

        public MetricType Type { get; }

        public double[]? Bounds { get; }

        public string FamilyName { get; }

        public string? UnitWord { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var point = Find(tags) ?? Add(tags);
            switch (Kind)
            {
                case PointKind.Sum:
                    AtomicAdd(ref point.Value, value);
                    break;
                case PointKind.Last:
                case PointKind.Observed:
                    Volatile.Write(ref point.Value, value);
                    break;
                default:
                    if (double.IsNaN(value))
                    {
                        return;
                    }
                    Interlocked.Increment(ref point.Buckets![Profiling.HistogramCells.BucketIndex(Bounds, value)]);
                    AtomicAdd(ref point.Sum, value);
                    break;
            }
        }

        public void Write(TextFormatWriter writer, List<Label> labels)
        {
            var table = Volatile.Read(ref _table);
            var points = new List<Point>(_count + 1);
            foreach (var p in table)
            {
                if (p is not null)
                {
                    points.Add(p);
                }
            }
            if (Volatile.Read(ref _overflow) is { } o)
            {
                points.Add(o);
            }
            points.Sort(static (a, b) => ComparePoints(a, b));
            string name = FamilyName;
            string bucketName = name + "_bucket";
            string sumName = name + "_sum";
            string countName = name + "_count";
            string[] le = writer.Format == ExpositionFormatKind.OpenMetrics ? _leOpenMetrics : _leText;
            foreach (var p in points)
            {
                if (Kind != PointKind.Histogram)
                {
                    writer.WriteSample(name, p.Labels, Volatile.Read(ref p.Value));
                    continue;
                }
                labels.Clear();
                labels.AddRange(p.Labels);
                labels.Add(default);
                long cumulative = 0;
                var bounds = Bounds!;
                for (int b = 0; b <= bounds.Length; b++)
                {
                    cumulative += Volatile.Read(ref p.Buckets![b]);
                    labels[^1] = new Label("le", le[b]);
                    writer.WriteSample(bucketName, CollectionsMarshal.AsSpan(labels), cumulative);
                }
                writer.WriteSample(sumName, p.Labels, Volatile.Read(ref p.Sum));
                writer.WriteSample(countName, p.Labels, cumulative);
            }
        }

        private static int ComparePoints(Point a, Point b)
        {
            int n = Math.Min(a.Labels.Length, b.Labels.Length);
            for (int i = 0; i < n; i++)
            {
                int c = a.Labels[i].CompareTo(b.Labels[i]);
                if (c != 0)
                {
                    return c;
                }
            }
            return a.Labels.Length - b.Labels.Length;
        }

        private Point? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            int hash = HashOf(tags);
            var table = Volatile.Read(ref _table);
            int mask = table.Length - 1;
            for (int i = hash & mask; ; i = (i + 1) & mask)
            {
                var p = Volatile.Read(ref table[i]);
                if (p is null)
                {
                    return null;
                }
                if (p.Hash == hash && p.Matches(tags))
                {
                    return p;
                }
            }
        }

        private Point Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_lock)
            {
                if (Find(tags) is { } existing)
                {
                    return existing;
                }
                int buckets = Bounds is null ? 0 : Bounds.Length + 1;
                if (_count >= MaxPointsPerInstrument)
                {
                    return _overflow ??= new Point(0, [new("otel.metric.overflow", true)], [new Label("otel_metric_overflow", "true")], buckets);
                }
                var copy = tags.ToArray();
                var labels = new Label[copy.Length];
                for (int i = 0; i < copy.Length; i++)
                {
                    labels[i] = new Label(SdkLabelNames.ForTag(copy[i].Key), PrometheusNames.TagValue(copy[i].Value));
                }
                Array.Sort(labels);
                var point = new Point(HashOf(tags), copy, labels, buckets);
                var table = _table;
                if ((_count + 1) * 2 > table.Length)
                {
                    // Grow at half load into a new table and publish it whole; readers keep using the old one meanwhile.
                    var bigger = new Point?[table.Length * 2];
                    foreach (var p in table)
                    {
                        if (p is not null)
                        {
                            Insert(bigger, p);
                        }
                    }
                    Insert(bigger, point);
                    Volatile.Write(ref _table, bigger);
                }
                else
                {
                    Insert(table, point);
                }
                _count++;
                return point;
            }
        }

        private static void Insert(Point?[] table, Point point)
        {
            int mask = table.Length - 1;
            int i = point.Hash & mask;
            while (table[i] is not null)
            {
                i = (i + 1) & mask;
            }
            Volatile.Write(ref table[i], point);
        }

        /// <summary>An order-independent hash of the tag pairs (a sum of per-pair hashes).</summary>
        private static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            int h = tags.Length;
            foreach (var t in tags)
            {
                int pair = (t.Key.GetHashCode() * 31) ^ (t.Value?.GetHashCode() ?? 0);
                h += pair * -1640531535;
            }
            return h & int.MaxValue;
        }

        private static void AtomicAdd(ref double target, double value)
        {
            double current = Volatile.Read(ref target);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref target, current + value, current);
                if (seen.Equals(current))
                {
                    return;
                }
                current = seen;
            }
        }
    }
}
