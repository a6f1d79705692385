namespace Vigil.Sdk.Summaries;

/// <summary>Performance of one tool over a window of recent runs (the seed's <c>get_tool_performance_summary</c>).</summary>
/// <remarks>
/// Built from the profiler's rolling store, so the window is bounded by the runs it keeps per tool
/// (<c>ToolProfilerOptions.RunsPerTool</c>); <see cref="FirstRunMs"/> tells how far back the data reaches. Durations and
/// CPU times are in seconds, allocations in bytes; CPU and allocation statistics cover only runs where they were measured.
/// </remarks>
public sealed record ToolPerformanceSummary
{
    /// <summary>The tool's name.</summary>
    public required string Tool { get; init; }

    /// <summary>The window asked for.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>End time of the oldest run in the summary, in milliseconds since the epoch.</summary>
    public long FirstRunMs { get; init; }

    /// <summary>End time of the newest run in the summary, in milliseconds since the epoch.</summary>
    public long LastRunMs { get; init; }

    /// <summary>Runs in the window.</summary>
    public long TotalExecutions { get; init; }

    /// <summary>Runs that succeeded.</summary>
    public long Successes { get; init; }

    /// <summary>Runs that failed.</summary>
    public long Failures { get; init; }

    /// <summary>Runs that were cancelled (not errors).</summary>
    public long Cancellations { get; init; }

    /// <summary>Failures divided by runs (0 to 1).</summary>
    public double ErrorRate { get; init; }

    /// <summary>Wall-clock duration, seconds.</summary>
    public required DistributionSummary Duration { get; init; }

    /// <summary>CPU time, seconds.</summary>
    public required DistributionSummary CpuTime { get; init; }

    /// <summary>Allocated managed bytes.</summary>
    public required DistributionSummary AllocatedBytes { get; init; }

    /// <summary>Cache hits reported in the window.</summary>
    public long CacheHits { get; init; }

    /// <summary>Cache misses reported in the window.</summary>
    public long CacheMisses { get; init; }

    /// <summary>Hits divided by hits plus misses, or NaN when the tool reported neither.</summary>
    public double CacheHitRatio { get; init; }

    /// <summary>I/O operations reported in the window.</summary>
    public long IoOperations { get; init; }

    /// <summary>Network calls reported in the window.</summary>
    public long NetworkCalls { get; init; }

    /// <summary>Exceptions thrown inside runs in the window (runs where it was measured).</summary>
    public long Exceptions { get; init; }

    /// <summary>Generation 0, 1 and 2 collections during runs in the window (process-wide counts).</summary>
    public required IReadOnlyList<long> GcCollections { get; init; }

    /// <summary>Failures by error type in the window.</summary>
    public required IReadOnlyDictionary<string, long> ErrorTypes { get; init; }

    /// <summary>User-defined counters since the profiler first saw the tool (they are not kept per run).</summary>
    public required IReadOnlyDictionary<string, long> CustomCountersTotal { get; init; }
}
