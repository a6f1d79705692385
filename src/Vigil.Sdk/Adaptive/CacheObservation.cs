namespace Vigil.Sdk.Adaptive;

/// <summary>What a cache did in one interval, reported to <see cref="AdaptiveCacheSizer.Observe"/>.</summary>
/// <param name="Hits">Lookups answered from the cache in the interval.</param>
/// <param name="Misses">Lookups that missed in the interval.</param>
/// <param name="Entries">Entries held at the end of the interval.</param>
/// <param name="Bytes">Bytes those entries use (an estimate is fine; 0 when unknown).</param>
public readonly record struct CacheObservation(long Hits, long Misses, long Entries, long Bytes);
