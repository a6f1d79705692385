using System.Diagnostics.Metrics;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// Sizes a worker pool by hill climbing on completed work per second, as the .NET thread pool does: each interval it
/// compares throughput with the previous interval's, keeps moving in a direction while the marginal throughput of
/// the moved workers beats their cost, and turns back (with a smaller step) when it does not. It settles around the
/// knee of the throughput curve — the size past which more workers only queue — and keeps probing one worker either
/// side of it, so it follows a knee that moves.
/// </summary>
/// <remarks>
/// <para>The app owns the pool: it reports completions with <see cref="Observe"/> (or <see cref="ObserveTotal"/>) once
/// per interval and resizes when <see cref="WorkersChanged"/> fires. Intervals should be long enough for hundreds of
/// completions, so that noise stays below one worker's throughput.</para>
/// <para>Steps double while the first direction keeps paying (a fast start from a bad size), then halve at every
/// turn down to one worker, and double again only after three paying moves in a row (the knee moved far). The marginal throughput of a move from n to n' is <c>(T' − T) / (n' − n)</c>; its cost
/// is <see cref="AdaptivePoolSizerOptions.WorkerCost"/> times the average throughput per worker at the larger size.</para>
/// <para>Metrics (tag <c>pool</c>): <c>vigil.pool.workers</c>, <c>vigil.pool.throughput</c> (completions per second
/// in the last interval) gauges, <c>vigil.pool.adjustments</c> counter by <c>direction</c>.</para>
/// </remarks>
public sealed class AdaptivePoolSizer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly Counter<long> _adjustments;
    private readonly KeyValuePair<string, object?> _nameTag;
    private int _workers;
    private int _minWorkers;
    private int _maxWorkers;
    private double _workerCost;
    private readonly int _maxStep;
    private int _direction = 1;
    private int _step = 1;
    private bool _turned;
    private int _streak;
    private int _previousWorkers = -1;
    private double _previousThroughput = double.NaN;
    private double _throughput = double.NaN;
    private long _lastTotal = -1;
    private long _lastTimestamp;

    /// <summary>Creates a sizer with <paramref name="options"/>.</summary>
    public AdaptivePoolSizer(AdaptivePoolSizerOptions? options = null)
    {
        options ??= new AdaptivePoolSizerOptions();
        options.Validate();
        Name = options.Name;
        _time = options.TimeProvider;
        _workers = options.InitialWorkers;
        _minWorkers = options.MinWorkers;
        _maxWorkers = options.MaxWorkers;
        _workerCost = options.WorkerCost;
        _maxStep = options.MaxStep;
        _meter = AdaptiveMetrics.CreateMeter(options.MeterName, Name, "pool");
        _nameTag = new KeyValuePair<string, object?>("pool", Name);
        _meter.CreateObservableGauge("vigil.pool.workers", () => new Measurement<int>(Workers, _nameTag), description: "Workers the pool should have.");
        _meter.CreateObservableGauge("vigil.pool.throughput", ObserveThroughput, description: "Completed work per second in the last interval.");
        _adjustments = _meter.CreateCounter<long>("vigil.pool.adjustments", description: "Changes of the pool size by direction (up, down).");
    }

    /// <summary>Raised with the new size when it changes (on the thread that reported the interval).</summary>
    public event Action<int>? WorkersChanged;

    /// <summary>The name in metrics and the prefix of the tunables.</summary>
    public string Name { get; }

    /// <summary>Workers the pool should have now.</summary>
    public int Workers => Volatile.Read(ref _workers);

    /// <summary>Completed work per second measured in the last interval (NaN before the first).</summary>
    public double Throughput
    {
        get
        {
            lock (_lock)
            {
                return _throughput;
            }
        }
    }

    /// <summary>The meter of the sizer's instruments.</summary>
    public Meter Meter => _meter;

    /// <summary>Reports <paramref name="completed"/> work items finished in the last <paramref name="elapsed"/>; returns the size for the next interval.</summary>
    public int Observe(long completed, TimeSpan elapsed)
    {
        if (completed < 0 || elapsed <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(elapsed), "an interval needs a positive duration and a non-negative count of completions");
        }
        int before;
        int after;
        lock (_lock)
        {
            before = _workers;
            after = Step(completed / elapsed.TotalSeconds);
        }
        if (after != before)
        {
            _adjustments.Add(1, _nameTag, new KeyValuePair<string, object?>("direction", after > before ? "up" : "down"));
            WorkersChanged?.Invoke(after);
        }
        return after;
    }

    /// <summary>Reports the running total of completed work items; the interval is the time since the previous call (the first call only starts it).</summary>
    public int ObserveTotal(long completedTotal)
    {
        long now = _time.GetTimestamp();
        long previousTotal;
        long previousTimestamp;
        lock (_lock)
        {
            (previousTotal, previousTimestamp) = (_lastTotal, _lastTimestamp);
            (_lastTotal, _lastTimestamp) = (completedTotal, now);
        }
        if (previousTotal < 0 || completedTotal < previousTotal)
        {
            return Workers;
        }
        var elapsed = _time.GetElapsedTime(previousTimestamp, now);
        return elapsed > TimeSpan.Zero ? Observe(completedTotal - previousTotal, elapsed) : Workers;
    }

    /// <summary>Registers <c>{name}.min_workers</c>, <c>{name}.max_workers</c> and <c>{name}.worker_cost</c> as tunables.</summary>
    public void RegisterTunables(TunableRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddInteger(Name + ".min_workers", () => Volatile.Read(ref _minWorkers), v => SetBounds((int)v, Volatile.Read(ref _maxWorkers)), min: 1, max: 100_000,
            description: "fewest workers the adaptive pool sizer may choose");
        registry.AddInteger(Name + ".max_workers", () => Volatile.Read(ref _maxWorkers), v => SetBounds(Volatile.Read(ref _minWorkers), (int)v), min: 1, max: 100_000,
            description: "most workers the adaptive pool sizer may choose");
        registry.AddNumber(Name + ".worker_cost", () => Volatile.Read(ref _workerCost), v => Volatile.Write(ref _workerCost, v), min: 0, max: 0.99,
            description: "throughput share of an average worker that an added worker must bring to be kept");
    }

    /// <summary>Changes the bounds (the size is brought within them at once); throws <see cref="ArgumentException"/> when min exceeds max.</summary>
    public void SetBounds(int minWorkers, int maxWorkers)
    {
        if (minWorkers < 1 || maxWorkers < minWorkers)
        {
            throw new ArgumentException($"pool {Name}: workers must satisfy 1 <= min_workers ({minWorkers}) <= max_workers ({maxWorkers})");
        }
        int before;
        int after;
        lock (_lock)
        {
            before = _workers;
            Volatile.Write(ref _minWorkers, minWorkers);
            Volatile.Write(ref _maxWorkers, maxWorkers);
            after = Math.Clamp(before, minWorkers, maxWorkers);
            Volatile.Write(ref _workers, after);
        }
        if (after != before)
        {
            WorkersChanged?.Invoke(after);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private int Step(double throughput)
    {
        int n = _workers;
        int previous = _previousWorkers;
        double previousThroughput = _previousThroughput;
        _throughput = throughput;
        _previousWorkers = n;
        _previousThroughput = throughput;
        if (previous > 0 && previous != n)
        {
            int moved = n - previous;
            double marginal = (throughput - previousThroughput) / moved;
            int larger = Math.Max(n, previous);
            double cost = _workerCost * Math.Max(throughput, previousThroughput) / larger;
            // Moving up pays when each added worker brought more than it costs; moving down pays when each removed
            // worker took away less than it cost.
            bool paid = moved > 0 ? marginal > cost : marginal < cost;
            if (paid)
            {
                // Note: before the first turn every paying move doubles the step (a fast start from a bad size);
                // after it only a run of three does (the knee moved far), so halving at each turn wins and it settles.
                if (!_turned || ++_streak >= 3)
                {
                    _step = Math.Min(_step * 2, _maxStep);
                }
            }
            else
            {
                _direction = -Math.Sign(moved);
                _turned = true;
                _streak = 0;
                _step = Math.Max(1, _step / 2);
            }
        }
        int min = Volatile.Read(ref _minWorkers);
        int max = Volatile.Read(ref _maxWorkers);
        int next = Math.Clamp(n + (_direction * _step), min, max);
        if (next == n)
        {
            // Note: at a bound, probe the other way so the climb never stalls there.
            _direction = -_direction;
            next = Math.Clamp(n + (_direction * _step), min, max);
        }
        Volatile.Write(ref _workers, next);
        return next;
    }

    private IEnumerable<Measurement<double>> ObserveThroughput()
    {
        double t = Throughput;
        if (double.IsFinite(t))
        {
            yield return new Measurement<double>(t, _nameTag);
        }
    }
}
