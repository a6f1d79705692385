namespace Vigil.Demo.Service;

/// <summary>The settings of <c>serve</c>: the two knobs' starting values and the shape of the simulated downstream.</summary>
internal sealed record ServiceOptions
{
    /// <summary>Workers in front of the downstream at start (the <c>pool_size</c> tunable).</summary>
    public int PoolSize { get; init; } = 2;

    /// <summary>Cache entries at start (the <c>cache_size</c> tunable).</summary>
    public int CacheSize { get; init; } = 200;

    /// <summary>Cores of the downstream.</summary>
    public int Cores { get; init; } = 4;

    /// <summary>Mean core time of one downstream call.</summary>
    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a call holds a core before it queues again.</summary>
    public TimeSpan Slice { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The share of a slice lost per call in flight beyond the cores.</summary>
    public double Contention { get; init; } = 0.15;

    /// <summary>The longest a request waits for a worker before it fails with 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest pool size the tunable accepts.</summary>
    public int MaxPoolSize { get; init; } = 64;

    /// <summary>The largest cache size the tunable accepts.</summary>
    public int MaxCacheSize { get; init; } = 10_000;
}
