using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Vigil.Core.Exposition;

namespace Vigil.Collection.Collectors.Dotnet;

/// <summary>
/// One EventPipe session to one .NET process: enables the <c>System.Diagnostics.Metrics</c> event source with the
/// wanted meters (as <c>dotnet-counters</c> does), parses its events with TraceEvent on a dedicated thread and keeps
/// the latest value of every instrument and tag combination, named by <see cref="PrometheusNames"/> as in-process
/// instruments.
/// </summary>
/// <remarks>
/// Counters are cumulative (the runtime's running total: since the process started for observable counters, since the
/// session started for the others); up-down counters and gauges keep the last value; histograms become summaries
/// (the runtime publishes quantiles of each interval, and <c>_sum</c>/<c>_count</c> add up over the session).
/// Thread-safe: events arrive on the session thread, <see cref="Write"/> runs on the collection thread.
/// </remarks>
internal sealed class DotnetSession : IDisposable
{
    private const string MetricsProvider = "System.Diagnostics.Metrics";
    private const long TimeSeriesValuesKeyword = 0x2;
    private const int MaxTimeSeries = 5000;
    private const int MaxHistograms = 100;

    private static readonly HashSet<string> ReservedLabels = new(StringComparer.Ordinal) { "__name__", "process_name", "pid", "quantile", "job", "instance" };

    private readonly string _sessionId = Guid.NewGuid().ToString("N");
    private readonly HashSet<string> _meters;
    private readonly object _lock = new();
    private readonly Dictionary<string, Point> _points = new(StringComparer.Ordinal);
    private readonly string _pidText;
    private EventPipeSession? _session;
    private EventPipeEventSource? _source;
    private Thread? _thread;
    private volatile bool _ended;
    private volatile string? _endReason;
    private string? _warning;

    public DotnetSession(int pid, long startTicks, string processName, IReadOnlyCollection<string> meters, TimeSpan refreshInterval)
    {
        Pid = pid;
        StartTicks = startTicks;
        ProcessName = processName;
        _pidText = pid.ToString(CultureInfo.InvariantCulture);
        _meters = new HashSet<string>(StringComparer.Ordinal) { DotnetCollectorOptions.RuntimeMeter };
        foreach (string m in meters)
        {
            // "Meter\instrument" selects one instrument; events carry the meter name only.
            int slash = m.IndexOf('\\', StringComparison.Ordinal);
            _meters.Add(slash < 0 ? m : m[..slash]);
        }
        Meters = [DotnetCollectorOptions.RuntimeMeter, .. meters.Where(m => m != DotnetCollectorOptions.RuntimeMeter).Distinct(StringComparer.Ordinal)];
        RefreshInterval = refreshInterval;
    }

    public int Pid { get; }

    /// <summary>The process start time in clock ticks since boot (tells a restarted process with a reused pid apart).</summary>
    public long StartTicks { get; }

    /// <summary>The <c>process_name</c> label.</summary>
    public string ProcessName { get; }

    /// <summary>The meter specs requested from the process, <c>System.Runtime</c> first.</summary>
    public IReadOnlyList<string> Meters { get; }

    public TimeSpan RefreshInterval { get; }

    /// <summary>True once the event stream has ended (the process exited or the session failed).</summary>
    public bool Ended => _ended;

    /// <summary>Why the stream ended, when it did.</summary>
    public string? EndReason => _endReason;

    /// <summary>Takes the last error the event source reported (e.g. another tool holds the metrics session), or null.</summary>
    public string? TakeWarning()
    {
        lock (_lock)
        {
            string? w = _warning;
            _warning = null;
            return w;
        }
    }

    /// <summary>Connects to the process's diagnostic port and starts reading events; throws when the process cannot be attached.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(Pid);
        var provider = new EventPipeProvider(MetricsProvider, EventLevel.Informational, TimeSeriesValuesKeyword, new Dictionary<string, string>
        {
            ["SessionId"] = _sessionId,
            ["Metrics"] = string.Join(';', Meters),
            ["RefreshInterval"] = RefreshInterval.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = MaxTimeSeries.ToString(CultureInfo.InvariantCulture),
            ["MaxHistograms"] = MaxHistograms.ToString(CultureInfo.InvariantCulture),
        });
        _session = await client.StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 16, cancellationToken).ConfigureAwait(false);
        _source = new EventPipeEventSource(_session.EventStream);
        _source.Dynamic.All += OnEvent;
        _thread = new Thread(Run) { IsBackground = true, Name = "vigil-eventpipe-" + _pidText };
        _thread.Start();
    }

    /// <summary>Writes the latest value of every instrument with <c>process_name</c> and <c>pid</c> labels.</summary>
    public void Write(SampleWriter writer)
    {
        lock (_lock)
        {
            foreach (var p in _points.Values)
            {
                if (p.Kind != PointKind.Summary)
                {
                    if (p.HasValue)
                    {
                        writer.Add(p.Labels(p.Family, null), p.Value);
                    }
                    continue;
                }
                foreach (var (q, v) in p.Quantiles)
                {
                    writer.Add(p.Labels(p.Family, q), v);
                }
                if (p.HasValue)
                {
                    writer.Add(p.Labels(p.Family + "_sum", null), p.Sum);
                    writer.Add(p.Labels(p.Family + "_count", null), p.Count);
                }
            }
        }
    }

    /// <summary>Stops the session in the process (best effort) and waits for the reader thread.</summary>
    public void Dispose()
    {
        try
        {
            _session?.Stop();
        }
        catch (Exception e) when (e is IOException or ServerNotAvailableException or ServerErrorException or TimeoutException or ObjectDisposedException or UnsupportedCommandException)
        {
            // the process is gone or no longer answers: closing the stream below ends the session either way
        }
        _session?.Dispose();
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
        _source?.Dispose();
    }

    private void Run()
    {
        try
        {
            _source!.Process();
            _endReason = "the event stream ended";
        }
        catch (Exception e)
        {
            // Note: TraceEvent reports a stream cut by the process exiting as a FormatException ("read past end of stream").
            _endReason = e.Message;
        }
        finally
        {
            _ended = true;
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.ProviderName != MetricsProvider)
        {
            return;
        }
        string name = e.EventName ?? string.Empty;
        if (name.StartsWith("MultipleSessions", StringComparison.Ordinal))
        {
            SetWarning($"{name}: another tool is reading this process's metrics with different settings (event {name})");
            return;
        }
        if (e.PayloadByName("sessionId") is not string sid || sid != _sessionId)
        {
            return;
        }
        switch (name)
        {
            case "CounterRateValuePublished":
                OnValue(e, PointKind.Counter);
                break;
            case "UpDownCounterRateValuePublished":
                OnValue(e, PointKind.UpDownCounter);
                break;
            case "GaugeValuePublished":
                OnValue(e, PointKind.Gauge);
                break;
            case "HistogramValuePublished":
                OnValue(e, PointKind.Summary);
                break;
            case "Error":
            case "ObservableInstrumentCallbackError":
                SetWarning($"{name}: {e.PayloadByName("errorMessage") as string}");
                break;
            case "TimeSeriesLimitReached":
            case "HistogramLimitReached":
                SetWarning($"{name}: the process tracks no more than {MaxTimeSeries.ToString(CultureInfo.InvariantCulture)} series and {MaxHistograms.ToString(CultureInfo.InvariantCulture)} histograms per session; new ones are dropped");
                break;
        }
    }

    private void SetWarning(string warning)
    {
        lock (_lock)
        {
            _warning = warning;
        }
    }

    private void OnValue(TraceEvent e, PointKind kind)
    {
        if (e.PayloadByName("meterName") is not string meter || !_meters.Contains(meter)
            || e.PayloadByName("instrumentName") is not string instrument)
        {
            return;
        }
        string unit = e.PayloadByName("unit") as string ?? string.Empty;
        string tags = e.PayloadByName("tags") as string ?? string.Empty;
        string key = meter + "\n" + instrument + "\n" + tags;
        lock (_lock)
        {
            if (!_points.TryGetValue(key, out var p))
            {
                var type = kind switch
                {
                    PointKind.Counter => MetricType.Counter,
                    PointKind.Summary => MetricType.Histogram,
                    _ => MetricType.Gauge,
                };
                p = new Point(kind, PrometheusNames.FromInstrument(instrument, unit, type), LabelPairs(tags));
                _points.Add(key, p);
            }
            switch (kind)
            {
                case PointKind.Counter:
                case PointKind.UpDownCounter:
                    if (TryNumber(e.PayloadByName("value"), out double total))
                    {
                        p.Value = total;
                        p.HasValue = true;
                    }
                    else if (TryNumber(e.PayloadByName("rate"), out double delta))
                    {
                        // Note: runtimes before .NET 8 publish only the change per interval; add it up here.
                        p.Value += delta;
                        p.HasValue = true;
                    }
                    break;
                case PointKind.Gauge:
                    if (TryNumber(e.PayloadByName("lastValue"), out double last))
                    {
                        p.Value = last;
                        p.HasValue = true;
                    }
                    break;
                case PointKind.Summary:
                    ParseQuantiles(e.PayloadByName("quantiles") as string, p.Quantiles);
                    if (e.PayloadByName("count") is { } count && e.PayloadByName("sum") is { } sum)
                    {
                        p.Count += Convert.ToDouble(count, CultureInfo.InvariantCulture);
                        p.Sum += Convert.ToDouble(sum, CultureInfo.InvariantCulture);
                        p.HasValue = true;
                    }
                    break;
            }
        }
    }

    private string[] LabelPairs(string tags)
    {
        var pairs = new List<string>();
        if (tags.Length > 0)
        {
            foreach (string tag in tags.Split(','))
            {
                int eq = tag.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    continue;
                }
                string label = PrometheusNames.LabelName(tag[..eq]);
                if (!ReservedLabels.Contains(label) && !pairs.Contains(label))
                {
                    pairs.Add(label);
                    pairs.Add(tag[(eq + 1)..]);
                }
            }
        }
        pairs.Add("process_name");
        pairs.Add(ProcessName);
        pairs.Add("pid");
        pairs.Add(_pidText);
        return [.. pairs];
    }

    private static void ParseQuantiles(string? text, SortedDictionary<string, double> into)
    {
        foreach (var q in into.Keys.ToList())
        {
            into[q] = double.NaN; // no measurement in the last interval
        }
        if (string.IsNullOrEmpty(text))
        {
            return;
        }
        // Note: the runtime formats quantiles with the app's current culture, so "0,5=1,25" must parse too.
        foreach (string part in text.Replace(',', '.').Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0
                && double.TryParse(part.AsSpan(0, eq), NumberStyles.Float, CultureInfo.InvariantCulture, out double quantile)
                && double.TryParse(part.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                into[quantile.ToString("R", CultureInfo.InvariantCulture)] = value;
            }
        }
    }

    private static bool TryNumber(object? payload, out double value)
    {
        value = 0;
        return payload is string s && s.Length > 0 && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>How a published value becomes a sample.</summary>
    private enum PointKind
    {
        Counter,
        UpDownCounter,
        Gauge,
        Summary,
    }

    /// <summary>The latest state of one instrument and tag combination.</summary>
    private sealed class Point(PointKind kind, string family, string[] labelPairs)
    {
        public PointKind Kind { get; } = kind;

        public string Family { get; } = family;

        public SortedDictionary<string, double> Quantiles { get; } = new(StringComparer.Ordinal);

        public double Value;

        public double Sum;

        public double Count;

        public bool HasValue;

        public Vigil.Core.Labels.LabelSet Labels(string name, string? quantile)
        {
            var pairs = new string[labelPairs.Length + 2 + (quantile is null ? 0 : 2)];
            pairs[0] = Vigil.Core.Labels.LabelSet.MetricName;
            pairs[1] = name;
            labelPairs.CopyTo(pairs, 2);
            if (quantile is not null)
            {
                pairs[^2] = "quantile";
                pairs[^1] = quantile;
            }
            return Vigil.Core.Labels.LabelSet.Of(pairs);
        }
    }
}
