using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>The export path: observable instruments read, instruments merged into families, families written out.</summary>
public sealed partial class MeterAggregator
{
    private readonly List<InstrumentAggregate> _exportInstruments = new();
    private readonly List<Entry> _exportEntries = new();
    private readonly List<Label> _exportLabels = new();

    private void Export<TSink>(ref TSink sink, IReadOnlySet<string>? excludedMeters)
        where TSink : struct, IExportSink
    {
        lock (_exportLock)
        {
            long pass = Interlocked.Increment(ref _pass);
            MeterListener[] listeners;
            lock (_lock)
            {
                listeners = [.. _listeners];
            }
            foreach (var listener in listeners)
            {
                // Note: observable callbacks run synchronously here and stamp the points they report with this pass.
                listener.RecordObservableInstruments();
            }
            // Note: the lists are reused from export to export (exports run one at a time), so a scrape allocates little.
            var instruments = _exportInstruments;
            var entries = _exportEntries;
            var labels = _exportLabels;
            instruments.Clear();
            lock (_lock)
            {
                foreach (var i in _instruments)
                {
                    if (excludedMeters is null || !excludedMeters.Contains(i.Instrument.Meter.Name))
                    {
                        instruments.Add(i);
                    }
                }
            }
            // Note: Array.Sort is not stable; the index keeps instruments of one family in publication order.
            var order = new (string Name, int Index)[instruments.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = (instruments[i].FamilyName, i);
            }
            Array.Sort(order, static (a, b) =>
            {
                int c = string.CompareOrdinal(a.Name, b.Name);
                return c != 0 ? c : a.Index.CompareTo(b.Index);
            });
            for (int start = 0; start < order.Length;)
            {
                int end = start + 1;
                while (end < order.Length && order[end].Name == order[start].Name)
                {
                    end++;
                }
                entries.Clear();
                for (int i = start; i < end; i++)
                {
                    instruments[order[i].Index].AddPoints(entries, pass);
                }
                if (entries.Count > 0)
                {
                    WriteFamily(ref sink, instruments[order[start].Index], entries, labels);
                }
                start = end;
            }
            instruments.Clear();
            entries.Clear();
            labels.Clear();
        }
    }

    /// <summary>Writes one family; points of merged instruments with the same labels become one sample.</summary>
    private static void WriteFamily<TSink>(ref TSink sink, InstrumentAggregate first, List<Entry> entries, List<Label> labels)
        where TSink : struct, IExportSink
    {
        entries.Sort(static (a, b) => CompareLabels(a.Point.Labels, b.Point.Labels));
        string name = first.FamilyName;
        string description = first.Instrument.Description ?? string.Empty;
        // Note: no HELP line without a description, as OpenTelemetry's Prometheus exporter does.
        sink.Family(name, first.Type, description.Length == 0 ? null : description, first.UnitWord);
        var span = CollectionsMarshal.AsSpan(entries);
        for (int start = 0; start < span.Length;)
        {
            int end = start + 1;
            while (end < span.Length && CompareLabels(span[end].Point.Labels, span[start].Point.Labels) == 0)
            {
                end++;
            }
            var group = span[start..end];
            Label[] pointLabels = group[0].Point.Labels;
            if (first.Type != MetricType.Histogram)
            {
                double value = 0;
                foreach (var e in group)
                {
                    double v = Volatile.Read(ref e.Point.Value);
                    value = e.Owner.Additive ? value + v : v;
                }
                sink.Sample(name, pointLabels, value);
            }
            else
            {
                WriteHistogram(ref sink, first, group, pointLabels, labels);
            }
            start = end;
        }
    }

    private static void WriteHistogram<TSink>(ref TSink sink, InstrumentAggregate first, ReadOnlySpan<Entry> group, Label[] pointLabels, List<Label> labels)
        where TSink : struct, IExportSink
    {
        string[] le = sink.OpenMetrics ? first.LeOpenMetrics : first.LeText;
        labels.Clear();
        labels.AddRange(pointLabels);
        labels.Add(default);
        long cumulative = 0;
        double sum = 0;
        for (int b = 0; b < le.Length; b++)
        {
            foreach (var e in group)
            {
                cumulative += Volatile.Read(ref e.Point.Buckets![b]);
            }
            // Note: le goes last, as Prometheus's client libraries write it.
            labels[^1] = new Label("le", le[b]);
            sink.Sample(first.BucketName, CollectionsMarshal.AsSpan(labels), cumulative);
        }
        foreach (var e in group)
        {
            sum += Volatile.Read(ref e.Point.Sum);
        }
        sink.Sample(first.SumName, pointLabels, sum);
        sink.Sample(first.CountName, pointLabels, cumulative);
    }

    private static int CompareLabels(Label[] a, Label[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            int c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return a.Length - b.Length;
    }

    /// <summary>A point of an instrument, as gathered for one export.</summary>
    private readonly record struct Entry(InstrumentAggregate Owner, Point Point);

    /// <summary>Where an export goes: a text writer, or a list of families.</summary>
    private interface IExportSink
    {
        /// <summary>True when bucket bounds are to be written in OpenMetrics's form.</summary>
        bool OpenMetrics { get; }

        void Family(string name, MetricType type, string? help, string? unit);

        void Sample(string name, ReadOnlySpan<Label> labels, double value);
    }

    private readonly struct WriterSink(TextFormatWriter writer) : IExportSink
    {
        public bool OpenMetrics => writer.Format == ExpositionFormatKind.OpenMetrics;

        public void Family(string name, MetricType type, string? help, string? unit) => writer.WriteMetadata(name, type, help, unit);

        public void Sample(string name, ReadOnlySpan<Label> labels, double value) => writer.WriteSample(name, labels, value);
    }

    private struct FamilyListSink(List<MetricFamily> into) : IExportSink
    {
        private MetricFamily? _family;

        public readonly bool OpenMetrics => false;

        public void Family(string name, MetricType type, string? help, string? unit)
        {
            _family = new MetricFamily(name, type, help, unit);
            into.Add(_family);
        }

        public readonly void Sample(string name, ReadOnlySpan<Label> labels, double value)
        {
            var all = new Label[labels.Length + 1];
            all[0] = new Label(LabelSet.MetricName, name);
            labels.CopyTo(all.AsSpan(1));
            _family!.Samples.Add(new MetricSample(LabelSet.From(all), value));
        }
    }
}
