namespace Vigil.Sdk.Anomaly;

/// <summary>The features of a tool run that baselines model, in the order of the feature vector.</summary>
public enum ToolFeature
{
    /// <summary>Wall-clock duration, seconds.</summary>
    Duration,

    /// <summary>CPU time, seconds.</summary>
    CpuTime,

    /// <summary>Allocated managed bytes.</summary>
    AllocatedBytes,

    /// <summary>1 for a failed run, else 0.</summary>
    Errors,

    /// <summary>Cache hits reported by the run.</summary>
    CacheHits,

    /// <summary>Cache misses reported by the run.</summary>
    CacheMisses,
}
