using System.Diagnostics.Metrics;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// Sizes a cache: grows its capacity step by step while each step raises the hit ratio, within a memory budget;
/// holds at the plateau where growing stops paying; shrinks while memory is under pressure.
/// </summary>
/// <remarks>
/// <para>The app owns the cache: once per interval it reports hits, misses, entries and bytes with <see cref="Observe"/>
/// and applies <see cref="Capacity"/> (or listens to <see cref="CapacityChanged"/>).</para>
/// <para>Per interval: under memory pressure (the memory load reaches <see cref="AdaptiveCacheSizerOptions.PressureThreshold"/>
/// of the GC's high-memory-load threshold, from <see cref="GC.GetGCMemoryInfo()"/>) the capacity is multiplied by
/// <see cref="AdaptiveCacheSizerOptions.ShrinkFactor"/>; when the entries' bytes exceed the budget it is cut to what fits.
/// Otherwise, a growth step is judged on the second interval after it (the first fills the new room with misses):
/// its hit ratio is compared with the one before the step: a rise of at least
/// <see cref="AdaptiveCacheSizerOptions.MinImprovement"/> means grow again; less means the step is taken back and the
/// size before it is the plateau. A plateau probes one
/// growth step every <see cref="AdaptiveCacheSizerOptions.ReprobeIntervals"/> intervals, and at once when the hit ratio
/// falls by more than the minimum improvement (the working set changed). Growth stops where the budget ends, at the
/// bytes per entry observed.</para>
/// <para>Metrics (tag <c>cache</c>): <c>vigil.cache.capacity</c>, <c>vigil.cache.hit_ratio</c>,
/// <c>vigil.cache.memory_load</c> gauges and <c>vigil.cache.adjustments</c> counter by <c>reason</c> (grow, probe,
/// revert, pressure, budget).</para>
/// </remarks>
public sealed class AdaptiveCacheSizer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly AdaptiveCacheSizerOptions _options;
    private readonly Meter _meter;
    private readonly Counter<long> _adjustments;
    private readonly KeyValuePair<string, object?> _nameTag;
    private long _capacity;
    private long _minCapacity;
    private long _maxCapacity;
    private long _budget;
    private CacheSizerState _state = CacheSizerState.Growing;
    private int _sinceGrowth = -1;
    private double _hitRatio = double.NaN;
    private double _ratioBeforeGrowth = double.NaN;
    private long _capacityBeforeGrowth;
    private double _plateauRatio = double.NaN;
    private double _memoryLoad = double.NaN;
    private double _bytesPerEntry;
    private int _plateauIntervals;

    /// <summary>Creates a sizer with <paramref name="options"/>.</summary>
    public AdaptiveCacheSizer(AdaptiveCacheSizerOptions? options = null)
    {
        _options = options ?? new AdaptiveCacheSizerOptions();
        _options.Validate();
        Name = _options.Name;
        _capacity = _options.InitialCapacity;
        _minCapacity = _options.MinCapacity;
        _maxCapacity = _options.MaxCapacity;
        _budget = _options.MemoryBudgetBytes;
        _meter = AdaptiveMetrics.CreateMeter(_options.MeterName, Name, "cache");
        _nameTag = new KeyValuePair<string, object?>("cache", Name);
        _meter.CreateObservableGauge("vigil.cache.capacity", () => new Measurement<long>(Capacity, _nameTag), description: "Entries the cache may hold.");
        _meter.CreateObservableGauge("vigil.cache.hit_ratio", () => Finite(HitRatio), description: "Hit ratio in the last interval.");
        _meter.CreateObservableGauge("vigil.cache.memory_load", () => Finite(MemoryLoad), description: "Memory load as a share of the GC's high-memory-load threshold.");
        _adjustments = _meter.CreateCounter<long>("vigil.cache.adjustments", description: "Capacity changes by reason (grow, probe, revert, pressure, budget).");
    }

    /// <summary>Raised with the new capacity when it changes (on the thread that reported the interval).</summary>
    public event Action<long>? CapacityChanged;

    /// <summary>The name in metrics and the prefix of the tunables.</summary>
    public string Name { get; }

    /// <summary>Entries the cache may hold now.</summary>
    public long Capacity => Interlocked.Read(ref _capacity);

    /// <summary>What the sizer is doing.</summary>
    public CacheSizerState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The hit ratio of the last interval (NaN before the first, or when it had no lookups).</summary>
    public double HitRatio
    {
        get
        {
            lock (_lock)
            {
                return _hitRatio;
            }
        }
    }

    /// <summary>The memory load read in the last interval, as a share of the high-memory-load threshold.</summary>
    public double MemoryLoad
    {
        get
        {
            lock (_lock)
            {
                return _memoryLoad;
            }
        }
    }

    /// <summary>The meter of the sizer's instruments.</summary>
    public Meter Meter => _meter;

    /// <summary>The GC's memory load as a share of its high-memory-load threshold (0 when the GC reports none).</summary>
    public static double GcMemoryLoad()
    {
        var info = GC.GetGCMemoryInfo();
        return info.HighMemoryLoadThresholdBytes > 0 ? (double)info.MemoryLoadBytes / info.HighMemoryLoadThresholdBytes : 0;
    }

    /// <summary>Reports one interval; returns the capacity for the next one.</summary>
    public long Observe(in CacheObservation observation)
    {
        if (observation.Hits < 0 || observation.Misses < 0 || observation.Entries < 0 || observation.Bytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observation), observation, "cache observations cannot be negative");
        }
        double load = _options.MemoryLoad();
        long before;
        long after;
        string? reason;
        lock (_lock)
        {
            before = _capacity;
            (after, reason) = Step(observation, load);
            Interlocked.Exchange(ref _capacity, after);
        }
        if (after != before)
        {
            _adjustments.Add(1, _nameTag, new KeyValuePair<string, object?>("reason", reason));
            CapacityChanged?.Invoke(after);
        }
        return after;
    }

    /// <summary>Registers <c>{name}.memory_budget_bytes</c>, <c>{name}.min_capacity</c> and <c>{name}.max_capacity</c> as tunables.</summary>
    public void RegisterTunables(TunableRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddInteger(Name + ".memory_budget_bytes", () => Interlocked.Read(ref _budget), v => Interlocked.Exchange(ref _budget, v), min: 1, max: long.MaxValue,
            description: "bytes the adaptive cache may use", unit: "bytes");
        registry.AddInteger(Name + ".min_capacity", () => Interlocked.Read(ref _minCapacity), v => SetBounds(v, Interlocked.Read(ref _maxCapacity)), min: 1, max: long.MaxValue,
            description: "smallest capacity the adaptive cache sizer may choose", unit: "entries");
        registry.AddInteger(Name + ".max_capacity", () => Interlocked.Read(ref _maxCapacity), v => SetBounds(Interlocked.Read(ref _minCapacity), v), min: 1, max: long.MaxValue,
            description: "largest capacity the adaptive cache sizer may choose", unit: "entries");
    }

    /// <summary>Changes the capacity bounds (the capacity is brought within them at once); throws <see cref="ArgumentException"/> when min exceeds max.</summary>
    public void SetBounds(long minCapacity, long maxCapacity)
    {
        if (minCapacity < 1 || maxCapacity < minCapacity)
        {
            throw new ArgumentException($"cache {Name}: capacities must satisfy 1 <= min_capacity ({minCapacity}) <= max_capacity ({maxCapacity})");
        }
        long before;
        long after;
        lock (_lock)
        {
            before = _capacity;
            Interlocked.Exchange(ref _minCapacity, minCapacity);
            Interlocked.Exchange(ref _maxCapacity, maxCapacity);
            after = Math.Clamp(before, minCapacity, maxCapacity);
            Interlocked.Exchange(ref _capacity, after);
        }
        if (after != before)
        {
            CapacityChanged?.Invoke(after);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private (long Capacity, string? Reason) Step(in CacheObservation o, double load)
    {
        long lookups = o.Hits + o.Misses;
        double ratio = lookups > 0 ? (double)o.Hits / lookups : double.NaN;
        _hitRatio = ratio;
        _memoryLoad = load;
        if (o.Entries > 0 && o.Bytes > 0)
        {
            _bytesPerEntry = (double)o.Bytes / o.Entries;
        }
        long min = Interlocked.Read(ref _minCapacity);
        long max = Interlocked.Read(ref _maxCapacity);
        long budget = Interlocked.Read(ref _budget);
        long capacity = Math.Clamp(_capacity, min, max);
        long fits = _bytesPerEntry > 0 ? (long)Math.Min(long.MaxValue / 2, budget / _bytesPerEntry) : long.MaxValue;
        if (load >= _options.PressureThreshold)
        {
            _sinceGrowth = -1;
            _state = CacheSizerState.Shrinking;
            _plateauRatio = double.NaN;
            return (Math.Max(min, (long)(capacity * _options.ShrinkFactor)), "pressure");
        }
        if (o.Bytes > budget && fits < capacity)
        {
            _sinceGrowth = -1;
            _state = CacheSizerState.Shrinking;
            return (Math.Max(min, fits), "budget");
        }
        if (double.IsNaN(ratio))
        {
            return (capacity, null);
        }
        if (_state == CacheSizerState.Shrinking)
        {
            // Note: pressure is gone; hold one interval at the reduced size to measure its hit ratio before growing.
            _state = CacheSizerState.Plateau;
            _plateauRatio = ratio;
            _plateauIntervals = 0;
            return (capacity, null);
        }
        if (_sinceGrowth >= 0 && ++_sinceGrowth == 1)
        {
            // Note: the interval right after a growth step fills the new room with misses; judge the step on the next one.
            return (capacity, null);
        }
        bool judged = _sinceGrowth > 1;
        _sinceGrowth = -1;
        if (judged && !(ratio - _ratioBeforeGrowth >= _options.MinImprovement))
        {
            // Note: the step did not pay for its memory, so it is taken back; the plateau is the size before it.
            _state = CacheSizerState.Plateau;
            _plateauRatio = _ratioBeforeGrowth;
            _plateauIntervals = 0;
            return (Math.Clamp(_capacityBeforeGrowth, min, max), "revert");
        }
        string reason = "grow";
        if (_state == CacheSizerState.Plateau)
        {
            bool fell = ratio < _plateauRatio - _options.MinImprovement;
            if (!fell && ++_plateauIntervals < _options.ReprobeIntervals)
            {
                return (capacity, null);
            }
            _state = CacheSizerState.Growing;
            reason = "probe";
        }
        long target = Math.Min(Math.Min(max, fits), Math.Max(capacity + 1, (long)Math.Ceiling(capacity * _options.GrowthFactor)));
        if (target <= capacity)
        {
            // Note: at the maximum or the end of the budget there is nothing to grow into.
            _state = CacheSizerState.Plateau;
            _plateauRatio = ratio;
            _plateauIntervals = 0;
            return (capacity, null);
        }
        _ratioBeforeGrowth = ratio;
        _capacityBeforeGrowth = capacity;
        _sinceGrowth = 0;
        return (target, reason);
    }

    private Measurement<double>[] Finite(double value)
        => double.IsFinite(value) ? [new Measurement<double>(value, _nameTag)] : [];
}
