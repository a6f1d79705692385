using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Anomaly;

/// <summary>Turns runs into feature vectors; unmeasured values (CPU not sampled, allocations unknown) are NaN.</summary>
internal static class FeatureVector
{
    public const int Width = 6;

    public static void Fill(in ToolRun run, Span<double> features)
    {
        features[(int)ToolFeature.Duration] = run.DurationSeconds;
        features[(int)ToolFeature.CpuTime] = run.CpuSeconds;
        features[(int)ToolFeature.AllocatedBytes] = run.AllocatedBytes >= 0 ? run.AllocatedBytes : double.NaN;
        features[(int)ToolFeature.Errors] = run.Outcome == ToolOutcome.Failure ? 1 : 0;
        features[(int)ToolFeature.CacheHits] = run.CacheHits;
        features[(int)ToolFeature.CacheMisses] = run.CacheMisses;
    }

    public static string Name(ToolFeature feature) => feature switch
    {
        ToolFeature.Duration => "execution_time",
        ToolFeature.CpuTime => "cpu_time",
        ToolFeature.AllocatedBytes => "allocated_bytes",
        ToolFeature.Errors => "error_count",
        ToolFeature.CacheHits => "cache_hits",
        _ => "cache_misses",
    };
}
