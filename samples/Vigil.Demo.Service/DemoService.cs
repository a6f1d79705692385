using System.Diagnostics.Metrics;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tunables;

namespace Vigil.Demo.Service;

/// <summary>
/// The demo's application logic: <c>GET /item/{key}</c> answers from an LRU cache, or else queues for a worker of the
/// pool, which fetches the value from the slow <see cref="Downstream"/> and caches it. Every request is one run of the
/// tool <c>get_item</c> in the SDK's profiler, so its latency, outcome and cache hits are on <c>/metrics</c>.
/// </summary>
/// <remarks>
/// The pool size trades queueing (too few workers) against contention in the downstream (too many); the cache size
/// sets the share of requests that need the downstream at all. Both are knobs the optimizer may turn.
/// </remarks>
internal sealed class DemoService : IAsyncDisposable
{
    /// <summary>The profiler's tool name of a request.</summary>
    public const string Tool = "get_item";

    /// <summary>The meter of the service's own gauges.</summary>
    public const string MeterName = "Vigil.Demo";

    private readonly Downstream _downstream;
    private readonly Meter _meter = new(MeterName);
    private readonly TimeSpan _work;

    public DemoService(ServiceOptions options)
    {
        Options = options;
        _work = options.Work;
        _downstream = new Downstream(options.Cores, options.Slice, options.Contention);
        Cache = new LruCache(options.CacheSize);
        Pool = new WorkerPool(options.PoolSize, options.QueueTimeout, FetchAsync);
        // Note: fine buckets (12 % apart) so that a p99 from histogram_quantile moves with the knob, not with bucket edges.
        Profiler = new ToolProfiler(new ToolProfilerOptions { DurationBuckets = Buckets(0.001, 10, 1.12) });
        Metrics = new VigilMetrics(Profiler);
        _meter.CreateObservableGauge("demo.pool.workers", () => Pool.Size, description: "Workers in the pool (the pool_size knob).");
        _meter.CreateObservableGauge("demo.pool.queued", () => Pool.Queued, description: "Requests waiting for a worker.");
        _meter.CreateObservableGauge("demo.downstream.in_flight", () => _downstream.InFlight, description: "Calls in the downstream (running or waiting for a core).");
        _meter.CreateObservableGauge("demo.downstream.cores", () => _downstream.Cores, description: "Cores of the downstream.");
        _meter.CreateObservableGauge("demo.cache.capacity", () => Cache.Capacity, description: "Entries the cache may hold (the cache_size knob).");
        _meter.CreateObservableGauge("demo.cache.entries", () => Cache.Count, description: "Entries in the cache.");
        Metrics.AddMeter(MeterName);
        Tunables = new TunableRegistry();
        Tunables.AddInteger("pool_size", () => Pool.Size, v => Pool.Size = (int)v, 1, options.MaxPoolSize,
            "workers in front of the downstream");
        Tunables.AddInteger("cache_size", () => Cache.Capacity, v => Cache.Capacity = (int)v, 0, options.MaxCacheSize,
            "entries of the LRU cache in front of the pool", "entries");
    }

    public ServiceOptions Options { get; }

    public WorkerPool Pool { get; }

    public LruCache Cache { get; }

    public ToolProfiler Profiler { get; }

    public VigilMetrics Metrics { get; }

    /// <summary>The knobs <c>pool_size</c> and <c>cache_size</c>, served on <c>/vigil/tunables</c> for the optimizer (and on <c>/metrics</c> once served).</summary>
    public TunableRegistry Tunables { get; }

    /// <summary>Answers one request: the value and 200, or 503 when no worker was free within the queue timeout.</summary>
    public async Task<(int Status, string Body)> GetItemAsync(string key, CancellationToken ct)
    {
        try
        {
            string value = await Profiler.RunAsync(Tool, async (run, _) =>
            {
                if (Cache.TryGet(key, out string cached))
                {
                    run.CacheHit();
                    return cached;
                }
                run.CacheMiss();
                run.NetworkCall();
                string fetched = await Pool.SubmitAsync(key).ConfigureAwait(false);
                Cache.Put(key, fetched);
                return fetched;
            }, ct).ConfigureAwait(false);
            return (200, value);
        }
        catch (PoolTimeoutException e)
        {
            return (503, e.Message);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync().ConfigureAwait(false);
        Metrics.Dispose();
        Tunables.Dispose();
        Profiler.Dispose();
        _meter.Dispose();
    }

    /// <summary>A worker's job: one downstream call with a random amount of work (half fixed, half exponential, mean <see cref="ServiceOptions.Work"/>).</summary>
    private Task<string> FetchAsync(string key, CancellationToken ct)
    {
        double exponential = -Math.Log(1 - Random.Shared.NextDouble());
        return _downstream.FetchAsync(key, _work * (0.5 + (0.5 * exponential)), ct);
    }

    private static double[] Buckets(double first, double last, double factor)
    {
        var bounds = new List<double>();
        for (double b = first; b <= last * 1.0001; b *= factor)
        {
            bounds.Add(Math.Round(b, 6));
        }
        return [.. bounds];
    }
}
