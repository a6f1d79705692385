using Vigil.Core.Exposition;
using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Collectors;

/// <summary>
/// Collects values from registered callbacks on an interval (the seed's <c>RealTimeMetricsCollector</c>): each value
/// is kept in a bounded per-metric buffer, passed to metric callbacks, and exported as a gauge on <c>/metrics</c>.
/// </summary>
/// <remarks>
/// Thread-safe. A collector or callback that throws is skipped for that tick and counted (<see cref="CollectorErrors"/>,
/// <see cref="CallbackErrors"/>); the loop and the host app carry on. A collector returning NaN or an infinity records
/// nothing for that tick. Registration errors (empty, duplicate or reserved names) throw at registration time.
/// </remarks>
public sealed class RealTimeMetricsCollector : IAsyncDisposable, IDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Registration> _collectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PointBuffer> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exportNames = new(StringComparer.Ordinal);
    private readonly List<Action<string, MetricPoint>> _callbacks = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private long _collectorErrors;
    private long _callbackErrors;

    /// <summary>Creates a collector that runs every <paramref name="interval"/> (default 1 s) and keeps <paramref name="bufferCapacity"/> points per metric (default 3600).</summary>
    public RealTimeMetricsCollector(TimeSpan? interval = null, int bufferCapacity = 3600, TimeProvider? timeProvider = null)
    {
        Interval = interval ?? TimeSpan.FromSeconds(1);
        if (Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), Interval, "the collection interval must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferCapacity);
        _capacity = bufferCapacity;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The collection interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Collector calls that threw so far.</summary>
    public long CollectorErrors => Interlocked.Read(ref _collectorErrors);

    /// <summary>Metric callback calls that threw so far.</summary>
    public long CallbackErrors => Interlocked.Read(ref _callbackErrors);

    /// <summary>Names of the metrics that have values or collectors, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                var names = new SortedSet<string>(_buffers.Keys, StringComparer.Ordinal);
                names.UnionWith(_collectors.Keys);
                return [.. names];
            }
        }
    }

    /// <summary>
    /// Registers <paramref name="collector"/> under <paramref name="name"/> (for example <c>application.queue_depth</c>);
    /// it is called once per interval. Throws when the name is empty, already registered, or maps to the same Prometheus
    /// name as another metric, or to one of the SDK's own (<c>vigil_tool_*</c>, <c>vigil_sdk_*</c>).
    /// </summary>
    public void RegisterCollector(string name, Func<double> collector, IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(collector);
        lock (_lock)
        {
            if (_collectors.ContainsKey(name ?? string.Empty))
            {
                throw new ArgumentException($"a collector named \"{name}\" is already registered", nameof(name));
            }
            Claim(name!);
            _collectors.Add(name!, new Registration(collector, tags is null ? NoTags : new Dictionary<string, string>(tags, StringComparer.Ordinal)));
        }
    }

    /// <summary>Removes the collector <paramref name="name"/>; its buffered points stay. Returns false when there was none.</summary>
    public bool UnregisterCollector(string name)
    {
        lock (_lock)
        {
            return _collectors.Remove(name);
        }
    }

    /// <summary>Adds a callback that receives every point recorded; dispose the result to remove it.</summary>
    public IDisposable AddCallback(Action<string, MetricPoint> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_lock)
        {
            _callbacks.Add(callback);
        }
        return new CallbackRegistration(this, callback);
    }

    /// <summary>
    /// Registers the process's own gauges: <c>process.cpu.percent</c> (of all cores, since the previous tick),
    /// <c>process.memory.working_set</c> (bytes), <c>dotnet.gc.heap_size</c> (bytes), <c>dotnet.threadpool.queue_length</c>
    /// and <c>dotnet.threadpool.threads</c>.
    /// </summary>
    public void AddProcessCollectors()
    {
        var cpu = new CpuPercent(_time);
        RegisterCollector("process.cpu.percent", cpu.Read);
        RegisterCollector("process.memory.working_set", static () => Environment.WorkingSet);
        RegisterCollector("dotnet.gc.heap_size", static () => GC.GetGCMemoryInfo().HeapSizeBytes);
        RegisterCollector("dotnet.threadpool.queue_length", static () => ThreadPool.PendingWorkItemCount);
        RegisterCollector("dotnet.threadpool.threads", static () => ThreadPool.ThreadCount);
    }

    /// <summary>Records a value for <paramref name="name"/> now, as a collector would (the seed's <c>_add_metric</c>).</summary>
    public void Record(string name, double value, IReadOnlyDictionary<string, string>? tags = null)
    {
        lock (_lock)
        {
            if (!_buffers.ContainsKey(name ?? string.Empty) && !_collectors.ContainsKey(name ?? string.Empty))
            {
                Claim(name!);
            }
        }
        Add(name!, new MetricPoint(_time.GetUtcNow().ToUnixTimeMilliseconds(), value, tags ?? NoTags));
    }

    /// <summary>Calls every collector once now and records their values (what each tick of the loop does).</summary>
    public void CollectOnce()
    {
        KeyValuePair<string, Registration>[] collectors;
        lock (_lock)
        {
            collectors = [.. _collectors];
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (name, registration) in collectors)
        {
            double value;
            try
            {
                value = registration.Collect();
            }
            catch (Exception)
            {
                // Note: a broken collector must not stop the others or the loop; the count is the signal.
                Interlocked.Increment(ref _collectorErrors);
                continue;
            }
            Add(name, new MetricPoint(now, value, registration.Tags));
        }
    }

    /// <summary>Starts the collection loop on the thread pool; calling it again does nothing.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_loop is not null)
            {
                return;
            }
            _stop = new CancellationTokenSource();
            var token = _stop.Token;
            _loop = Task.Run(() => LoopAsync(token), CancellationToken.None);
        }
    }

    /// <summary>Stops the loop and waits for the tick in progress.</summary>
    public async Task StopAsync()
    {
        Task? loop;
        CancellationTokenSource? stop;
        lock (_lock)
        {
            loop = _loop;
            stop = _stop;
            _loop = null;
            _stop = null;
        }
        if (loop is null)
        {
            return;
        }
        await stop!.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        stop.Dispose();
    }

    /// <summary>The buffered points of <paramref name="name"/> collected within <paramref name="duration"/> before now, oldest first.</summary>
    public IReadOnlyList<MetricPoint> GetMetricValues(string name, TimeSpan duration)
    {
        long since = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)duration.TotalMilliseconds;
        lock (_lock)
        {
            return _buffers.TryGetValue(name, out var buffer) ? buffer.Since(since) : [];
        }
    }

    /// <summary>Min, max, mean, std, median, p95 and p99 of <paramref name="name"/> over <paramref name="duration"/> (the seed's <c>calculate_metric_statistics</c>).</summary>
    public DistributionSummary CalculateStatistics(string name, TimeSpan duration)
    {
        var points = GetMetricValues(name, duration);
        var values = new double[points.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = points[i].Value;
        }
        return DistributionSummary.Of(values);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    /// <summary>The newest point of every metric with its Prometheus name, sorted by that name.</summary>
    internal List<(string ExportName, MetricPoint Point)> Latest()
    {
        lock (_lock)
        {
            var result = new List<(string, MetricPoint)>(_buffers.Count);
            foreach (var (name, buffer) in _buffers)
            {
                if (buffer.Latest() is { } p)
                {
                    result.Add((_exportNames[name], p));
                }
            }
            result.Sort(static (a, b) => string.CompareOrdinal(a.Item1, b.Item1));
            return result;
        }
    }

    private void Claim(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("a metric name must not be empty", nameof(name));
        }
        string export = PrometheusNames.MetricName(name);
        if (export.StartsWith("vigil_tool_", StringComparison.Ordinal) || export.StartsWith("vigil_sdk_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"metric name \"{name}\" ({export}) is reserved for the SDK's own metrics", nameof(name));
        }
        foreach (var (other, otherExport) in _exportNames)
        {
            if (otherExport == export && other != name)
            {
                throw new ArgumentException($"metric name \"{name}\" is exported as {export}, like \"{other}\"; choose a distinct name", nameof(name));
            }
        }
        _exportNames[name] = export;
    }

    private void Add(string name, MetricPoint point)
    {
        if (!double.IsFinite(point.Value))
        {
            return;
        }
        Action<string, MetricPoint>[] callbacks;
        lock (_lock)
        {
            if (!_buffers.TryGetValue(name, out var buffer))
            {
                _buffers[name] = buffer = new PointBuffer(_capacity);
            }
            buffer.Add(point);
            callbacks = _callbacks.Count == 0 ? [] : [.. _callbacks];
        }
        foreach (var callback in callbacks)
        {
            try
            {
                callback(name, point);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _callbackErrors);
            }
        }
    }

    private async Task LoopAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        CollectOnce();
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            CollectOnce();
        }
    }

    private void RemoveCallback(Action<string, MetricPoint> callback)
    {
        lock (_lock)
        {
            _callbacks.Remove(callback);
        }
    }

    private sealed record Registration(Func<double> Collect, IReadOnlyDictionary<string, string> Tags);

    private sealed class CallbackRegistration(RealTimeMetricsCollector owner, Action<string, MetricPoint> callback) : IDisposable
    {
        public void Dispose() => owner.RemoveCallback(callback);
    }

    /// <summary>A fixed-size ring of points in arrival order.</summary>
    private sealed class PointBuffer(int capacity)
    {
        private readonly MetricPoint[] _points = new MetricPoint[capacity];
        private int _next;
        private int _count;

        public void Add(MetricPoint p)
        {
            _points[_next] = p;
            _next = (_next + 1) % _points.Length;
            _count = Math.Min(_count + 1, _points.Length);
        }

        public MetricPoint? Latest() => _count == 0 ? null : _points[(_next - 1 + _points.Length) % _points.Length];

        public MetricPoint[] Since(long sinceMs)
        {
            var result = new List<MetricPoint>();
            int start = (_next - _count + _points.Length) % _points.Length;
            for (int i = 0; i < _count; i++)
            {
                var p = _points[(start + i) % _points.Length];
                if (p.TimestampMs >= sinceMs)
                {
                    result.Add(p);
                }
            }
            return [.. result];
        }
    }

    /// <summary>Process CPU use in percent of all cores between two calls.</summary>
    private sealed class CpuPercent(TimeProvider time)
    {
        private readonly Lock _lock = new();
        private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
        private long _lastTimestamp = time.GetTimestamp();

        public double Read()
        {
            lock (_lock)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                long now = time.GetTimestamp();
                double wall = time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
                double used = (cpu - _lastCpu).TotalSeconds;
                _lastCpu = cpu;
                _lastTimestamp = now;
                return wall <= 0 ? double.NaN : 100.0 * used / (wall * Environment.ProcessorCount);
            }
        }
    }
}
