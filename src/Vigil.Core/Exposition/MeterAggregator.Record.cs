using System.Diagnostics.Metrics;
using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>The record path: one instrument's points and how a measurement lands in one of them.</summary>
public sealed partial class MeterAggregator
{
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

        /// <summary>Label names and values, sorted by name, without empty ones.</summary>
        public Label[] Labels { get; }

        public long[]? Buckets { get; }

        public double Value;

        public double Sum;

        /// <summary>For observable instruments: the export pass in which the callback last reported this point.</summary>
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

    /// <summary>One instrument's points in an open-addressing table: lock-free reads, locked inserts.</summary>
    private sealed class InstrumentAggregate
    {
        private readonly MeterAggregator _owner;
        private readonly Lock _lock = new();
        private Point?[] _table = new Point?[16];
        private int _count;
        private Point? _overflow;

        public InstrumentAggregate(MeterAggregator owner, Instrument instrument, string familyName, PointKind kind, MetricType type, double[]? bounds)
        {
            _owner = owner;
            Instrument = instrument;
            FamilyName = familyName;
            BucketName = familyName + "_bucket";
            SumName = familyName + "_sum";
            CountName = familyName + "_count";
            Kind = kind;
            Type = type;
            Bounds = bounds;
            UnitWord = string.IsNullOrEmpty(instrument.Unit) ? null : PrometheusNames.UnitWord(instrument.Unit);
            if (bounds is not null)
            {
                LeText = [.. bounds.Select(b => HistogramBuckets.FormatBound(b, openMetrics: false)), "+Inf"];
                LeOpenMetrics = [.. bounds.Select(b => HistogramBuckets.FormatBound(b, openMetrics: true)), "+Inf"];
            }
        }

        public Instrument Instrument { get; }

        public string FamilyName { get; }

        public string BucketName { get; }

        public string SumName { get; }

        public string CountName { get; }

        public PointKind Kind { get; }

        public MetricType Type { get; }

        public double[]? Bounds { get; }

        public string? UnitWord { get; }

        /// <summary>The <c>le</c> values of the buckets in the text format, <c>+Inf</c> last.</summary>
        public string[] LeText { get; } = [];

        /// <summary>The <c>le</c> values of the buckets in OpenMetrics, <c>+Inf</c> last.</summary>
        public string[] LeOpenMetrics { get; } = [];

        /// <summary>Measurements of this kind add up when instruments are merged into one family.</summary>
        public bool Additive => Kind is PointKind.Sum or PointKind.ObservedSum or PointKind.Histogram;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var point = Find(tags) ?? Add(tags);
            switch (Kind)
            {
                case PointKind.Sum:
                    AtomicAdd(ref point.Value, value);
                    break;
                case PointKind.Last:
                    Volatile.Write(ref point.Value, value);
                    break;
                case PointKind.ObservedSum:
                case PointKind.ObservedLast:
                    // Note: observable callbacks run inside an export, one at a time, so a plain write of the pass is enough.
                    Volatile.Write(ref point.Value, value);
                    point.Pass = Volatile.Read(ref _owner._pass);
                    break;
                default:
                    if (double.IsNaN(value))
                    {
                        return;
                    }
                    Interlocked.Increment(ref point.Buckets![HistogramBuckets.IndexOf(Bounds, value)]);
                    AtomicAdd(ref point.Sum, value);
                    break;
            }
        }

        /// <summary>Adds the points to show in export pass <paramref name="pass"/> to <paramref name="into"/>.</summary>
        public void AddPoints(List<Entry> into, long pass)
        {
            bool observed = Kind is PointKind.ObservedSum or PointKind.ObservedLast;
            foreach (var p in Volatile.Read(ref _table))
            {
                if (p is not null && (!observed || p.Pass == pass))
                {
                    into.Add(new Entry(this, p));
                }
            }
            if (Volatile.Read(ref _overflow) is { } o && (!observed || o.Pass == pass))
            {
                into.Add(new Entry(this, o));
            }
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
                    if (_overflow is null)
                    {
                        _owner.WarnOverflow(Instrument);
                        Volatile.Write(ref _overflow, new Point(0, [new("otel.metric.overflow", true)], [new Label(OverflowLabelName, "true")], buckets));
                    }
                    return _overflow;
                }
                var copy = tags.ToArray();
                var point = new Point(HashOf(tags), copy, ToLabels(copy, _owner._labelName), buckets);
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

        /// <summary>
        /// The labels of a tag combination: names through <paramref name="labelName"/>, values as text, empty ones dropped,
        /// sorted by name. Keys that become the same label name are joined with <c>;</c> in the order of the original
        /// keys, OpenTelemetry's rule for such collisions.
        /// </summary>
        private static Label[] ToLabels(KeyValuePair<string, object?>[] tags, Func<string, string> labelName)
        {
            var sorted = (KeyValuePair<string, object?>[])tags.Clone();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var labels = new List<Label>(sorted.Length);
            foreach (var tag in sorted)
            {
                string name = labelName(tag.Key);
                string value = PrometheusNames.TagValue(tag.Value);
                if (name.Length == 0 || value.Length == 0)
                {
                    continue;
                }
                int at = labels.FindIndex(l => l.Name == name);
                if (at >= 0)
                {
                    labels[at] = new Label(name, labels[at].Value + ";" + value);
                }
                else
                {
                    labels.Add(new Label(name, value));
                }
            }
            var result = labels.ToArray();
            Array.Sort(result);
            return result;
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
                // Note: compared as bits: Equals would take -0 for +0 and NaN for NaN and lose the add.
                if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
                {
                    return;
                }
                current = seen;
            }
        }
    }
}
