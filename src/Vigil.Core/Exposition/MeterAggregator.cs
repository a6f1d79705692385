using System.Diagnostics.Metrics;
using System.Globalization;

namespace Vigil.Core.Exposition;

/// <summary>
/// Aggregates the instruments of .NET meters (<see cref="System.Diagnostics.Metrics"/>) into Prometheus metric
/// families: the one path from meters to exposition, used by the server's own <c>/metrics</c> and by the SDK's.
/// </summary>
/// <remarks>
/// <para>Counters and up-down counters are summed, gauges keep the last value, histograms count into explicit buckets
/// (the instrument's advice, else Prometheus's default buckets for seconds, else OpenTelemetry's defaults). Observable
/// instruments are read at each <see cref="Collect"/> or <see cref="Write"/>, and only what their callbacks reported in
/// that read is shown, as OpenTelemetry's SDK specification asks. Names follow <see cref="PrometheusNames"/>;
/// instruments whose names map to the same Prometheus name are merged into one family (sums add up), and one that would
/// give that family another type or other buckets is left out with a warning.</para>
/// <para>Recording is thread-safe, lock-free and allocation-free once a tag combination has been seen. At most
/// <see cref="MaxPointsPerInstrument"/> tag combinations are kept per instrument; the measurements of later ones are
/// aggregated into one point labelled <c>otel_metric_overflow="true"</c>, as OpenTelemetry .NET does, so totals stay
/// right while memory stays bounded. <see cref="Collect"/> and <see cref="Write"/> may be called from any thread (they
/// run one at a time).</para>
/// </remarks>
public sealed partial class MeterAggregator : IDisposable
{
    /// <summary>Distinct tag combinations kept per instrument (OpenTelemetry's default cardinality limit).</summary>
    public const int MaxPointsPerInstrument = 2000;

    /// <summary>The label of the point that aggregates the tag combinations beyond the limit.</summary>
    public const string OverflowLabelName = "otel_metric_overflow";

    private static readonly double[] PrometheusSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] OpenTelemetryBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly Lock _lock = new();
    private readonly Lock _exportLock = new();
    private readonly Func<string, string> _labelName;
    private readonly Action<string>? _warn;
    private readonly HashSet<string> _meterNames = new(StringComparer.Ordinal);
    private readonly List<MeterListener> _listeners = new();
    private readonly List<InstrumentAggregate> _instruments = new();
    private long _pass;
    private bool _disposed;

    /// <summary>Creates an aggregator that listens to no meter yet.</summary>
    /// <param name="labelName">Turns a tag key into a label name; <see cref="PrometheusNames.LabelName"/> when null. A
    /// caller that writes labels of its own (the SDK's <c>tool</c>, <c>le</c>, …) can move user tags out of their way.</param>
    /// <param name="warn">Told, once per cause, when an instrument is left out or an instrument overflows its limit.</param>
    public MeterAggregator(Func<string, string>? labelName = null, Action<string>? warn = null)
    {
        _labelName = labelName ?? PrometheusNames.LabelName;
        _warn = warn;
    }

    /// <summary>Starts aggregating every instrument, present and future, of the meters named <paramref name="meterName"/>.</summary>
    public void AddMeter(string meterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        Listen(meterName, meter => meter.Name == meterName);
    }

    /// <summary>Starts aggregating every instrument, present and future, of the meters <paramref name="filter"/> accepts.</summary>
    public void AddMeters(Func<Meter, bool> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Listen(null, filter);
    }

    /// <summary>Reads observable instruments and appends one family per Prometheus name, sorted by name.</summary>
    public void Collect(List<MetricFamily> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var sink = new FamilyListSink(into);
        Export(ref sink, null);
    }

    /// <summary>
    /// Reads observable instruments and writes one family per Prometheus name, sorted by name, leaving out the meters
    /// named in <paramref name="excludedMeters"/> (for families the caller writes natively).
    /// </summary>
    public void Write(TextFormatWriter writer, IReadOnlySet<string>? excludedMeters = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var sink = new WriterSink(writer);
        Export(ref sink, excludedMeters);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        MeterListener[] listeners;
        lock (_lock)
        {
            _disposed = true;
            listeners = [.. _listeners];
            _listeners.Clear();
        }
        foreach (var listener in listeners)
        {
            listener.Dispose();
        }
    }

    private void Listen(string? meterName, Func<Meter, bool> filter)
    {
        MeterListener listener;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (meterName is not null && !_meterNames.Add(meterName))
            {
                return;
            }
            listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (filter(instrument.Meter))
                    {
                        Publish(instrument, l);
                    }
                },
                MeasurementsCompleted = (_, state) => Remove((InstrumentAggregate)state!),
            };
            listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
            listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record((double)v, tags));
            _listeners.Add(listener);
        }
        // Note: Start publishes the existing instruments synchronously; it runs outside _lock so that the runtime's own
        // instrument lock is never taken while ours is held (a meter creating an instrument takes them the other way).
        listener.Start();
    }

    private void Publish(Instrument instrument, MeterListener listener)
    {
        if (!TryClassify(instrument, out var kind, out var type))
        {
            return;
        }
        string name = PrometheusNames.FromInstrument(instrument.Name, instrument.Unit, type);
        double[]? bounds = kind == PointKind.Histogram ? HistogramBounds(instrument) : null;
        InstrumentAggregate aggregate;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            foreach (var other in _instruments)
            {
                if (ReferenceEquals(other.Instrument, instrument))
                {
                    return; // already aggregated through another filter
                }
                if (other.FamilyName == name && (other.Type != type || !SameBounds(other.Bounds, bounds)))
                {
                    _warn?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"Metric {name} from instrument {instrument.Name} of meter {instrument.Meter.Name} is a {type} with {bounds?.Length ?? 0} buckets but instrument {other.Instrument.Name} of meter {other.Instrument.Meter.Name} made it a {other.Type} with {other.Bounds?.Length ?? 0}; ignoring it"));
                    return;
                }
            }
            aggregate = new InstrumentAggregate(this, instrument, name, kind, type, bounds);
            _instruments.Add(aggregate);
        }
        listener.EnableMeasurementEvents(instrument, aggregate);
    }

    private void Remove(InstrumentAggregate aggregate)
    {
        lock (_lock)
        {
            _instruments.Remove(aggregate);
        }
    }

    private void WarnOverflow(Instrument instrument)
        => _warn?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"Instrument {instrument.Name} of meter {instrument.Meter.Name} has more than {MaxPointsPerInstrument} tag combinations; later ones are aggregated under {OverflowLabelName}=\"true\""));

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
            Histogram<decimal> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
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
        /// <summary>Synchronous counter or up-down counter: measurements add up.</summary>
        Sum,

        /// <summary>Synchronous gauge: the last measurement.</summary>
        Last,

        /// <summary>Observable counter or up-down counter: the callback reports the total; totals of merged instruments add up.</summary>
        ObservedSum,

        /// <summary>Observable gauge: the callback reports the value.</summary>
        ObservedLast,

        /// <summary>Histogram: bucket counts and a sum.</summary>
        Histogram,
    }
}
