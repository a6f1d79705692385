using Vigil.Sdk.Adaptive;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.Adaptive;

/// <summary>
/// The cache sizer in front of a real LRU cache fed by a seeded workload: 20,000 lookups per interval drawn uniformly
/// from a working set of 5,000 keys, so the hit ratio rises with the capacity until the working set fits, then stays.
/// </summary>
public sealed class AdaptiveCacheSizerTests
{
    private const int WorkingSet = 5000;
    private const int BytesPerEntry = 100;

    [Fact]
    public void Observe_GrowsUntilTheHitRatioPlateau_ThenHolds()
    {
        using var sizer = Create(initial: 256, reprobe: 100);
        var cache = new LruCache(sizer.Capacity);
        var random = new Random(7);
        var capacities = new List<long>();
        var ratios = new List<double>();
        for (int i = 0; i < 60; i++)
        {
            var o = cache.Run(random, 20_000, WorkingSet, BytesPerEntry);
            cache.Capacity = sizer.Observe(o);
            capacities.Add(cache.Capacity);
            ratios.Add(sizer.HitRatio);
        }

        var tail = capacities.Skip(40).ToList();
        // It stopped at the first size that holds the working set (growth steps are ×1.25) and no longer grows.
        Assert.True(tail.All(c => c == tail[0]), string.Join(",", capacities));
        Assert.InRange(tail[0], WorkingSet, (long)(WorkingSet * 1.25));
        Assert.Equal(CacheSizerState.Plateau, sizer.State);
        Assert.True(ratios[^1] > 0.99, $"hit ratio {ratios[^1]}");
        Assert.True(capacities.Take(25).Zip(capacities.Skip(1)).All(p => p.Second >= p.First), string.Join(",", capacities));
    }

    [Fact]
    public void Observe_MemoryPressure_ShrinksThenHolds()
    {
        double load = 0.5;
        using var sizer = Create(initial: 256, memoryLoad: () => load);
        var cache = new LruCache(sizer.Capacity);
        var random = new Random(11);
        for (int i = 0; i < 30; i++)
        {
            cache.Capacity = sizer.Observe(cache.Run(random, 20_000, WorkingSet, BytesPerEntry));
        }
        long plateau = cache.Capacity;
        load = 0.95;
        var underPressure = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            cache.Capacity = sizer.Observe(cache.Run(random, 20_000, WorkingSet, BytesPerEntry));
            underPressure.Add(cache.Capacity);
        }
        load = 0.5;
        long released = sizer.Observe(cache.Run(random, 20_000, WorkingSet, BytesPerEntry));

        Assert.Equal([(long)(plateau * 0.75), (long)((long)(plateau * 0.75) * 0.75)], underPressure.Take(2));
        Assert.True(underPressure.Zip(underPressure.Skip(1)).All(p => p.Second < p.First), string.Join(",", underPressure));
        Assert.Equal(underPressure[^1], released);
        Assert.Equal(CacheSizerState.Plateau, sizer.State);
        Assert.Equal(0.5, sizer.MemoryLoad);
    }

    [Fact]
    public void Observe_Budget_CapsGrowthAtWhatFits()
    {
        using var sizer = Create(initial: 256, budget: 2000 * BytesPerEntry);
        var cache = new LruCache(sizer.Capacity);
        var random = new Random(3);
        for (int i = 0; i < 30; i++)
        {
            cache.Capacity = sizer.Observe(cache.Run(random, 20_000, WorkingSet, BytesPerEntry));
        }

        Assert.InRange(cache.Capacity, 1600, 2000);
        Assert.True(cache.Count * BytesPerEntry <= 2000 * BytesPerEntry);
    }

    [Fact]
    public void Observe_WorkingSetGrows_ProbesAndGrowsAgain()
    {
        using var sizer = Create(initial: 256);
        var cache = new LruCache(sizer.Capacity);
        var random = new Random(5);
        for (int i = 0; i < 30; i++)
        {
            cache.Capacity = sizer.Observe(cache.Run(random, 20_000, 2000, BytesPerEntry));
        }
        long small = cache.Capacity;
        for (int i = 0; i < 30; i++)
        {
            cache.Capacity = sizer.Observe(cache.Run(random, 40_000, 8000, BytesPerEntry));
        }

        Assert.InRange(small, 2000, 2500);
        Assert.InRange(cache.Capacity, 8000, 10_000);
    }

    [Fact]
    public void MetricsAndTunables()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        using var sizer = Create(initial: 1000, name: "sessions");
        sizer.RegisterTunables(registry);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(sizer.Meter.Name);
        sizer.Observe(new CacheObservation(Hits: 750, Misses: 250, Entries: 1000, Bytes: 100_000));
        ((IntegerTunable)registry.Find("sessions.max_capacity")!).Value = 1100;

        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(1100, sizer.Capacity);
        Assert.Equal(1100, m["vigil_cache_capacity{cache=\"sessions\"}"]);
        Assert.Equal(0.75, m["vigil_cache_hit_ratio{cache=\"sessions\"}"]);
        Assert.Equal(0.2, m["vigil_cache_memory_load{cache=\"sessions\"}"]);
        Assert.Equal(1, m["vigil_cache_adjustments_total{cache=\"sessions\",reason=\"grow\"}"]);
        Assert.Equal(["sessions.memory_budget_bytes", "sessions.min_capacity", "sessions.max_capacity"], registry.Tunables.Select(t => t.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => sizer.Observe(new CacheObservation(-1, 0, 0, 0)));
    }

    [Fact]
    public void GcMemoryLoad_IsAShareOfTheThreshold()
    {
        double load = AdaptiveCacheSizer.GcMemoryLoad();
        var info = GC.GetGCMemoryInfo();
        Assert.InRange(load, 0, 2);
        Assert.Equal(info.HighMemoryLoadThresholdBytes > 0, load > 0);
    }

    private static AdaptiveCacheSizer Create(long initial, Func<double>? memoryLoad = null, long budget = 256L * 1024 * 1024, string name = "cache", int reprobe = 20)
        => new(new AdaptiveCacheSizerOptions
        {
            ReprobeIntervals = reprobe,
            Name = name,
            InitialCapacity = initial,
            MemoryBudgetBytes = budget,
            MemoryLoad = memoryLoad ?? (() => 0.2),
            MeterName = "Test.Cache." + Guid.NewGuid().ToString("N"),
        });

    /// <summary>A least-recently-used cache whose capacity can change between intervals.</summary>
    private sealed class LruCache(long capacity)
    {
        private readonly Dictionary<int, LinkedListNode<int>> _index = new();
        private readonly LinkedList<int> _order = new();

        public long Capacity { get; set; } = capacity;

        public int Count => _index.Count;

        public CacheObservation Run(Random random, int lookups, int workingSet, int bytesPerEntry)
        {
            long hits = 0;
            for (int i = 0; i < lookups; i++)
            {
                int key = random.Next(workingSet);
                if (_index.TryGetValue(key, out var node))
                {
                    hits++;
                    _order.Remove(node);
                    _order.AddFirst(node);
                    continue;
                }
                _index[key] = _order.AddFirst(key);
                while (_index.Count > Capacity)
                {
                    _index.Remove(_order.Last!.Value);
                    _order.RemoveLast();
                }
            }
            while (_index.Count > Capacity)
            {
                _index.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }
            return new CacheObservation(hits, lookups - hits, _index.Count, (long)_index.Count * bytesPerEntry);
        }
    }
}
