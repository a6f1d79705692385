namespace Vigil.Sdk.Profiling;

/// <summary>The measurements of one completed tool run, as kept in the profiler's rolling store.</summary>
/// <remarks>
/// <see cref="CpuSeconds"/> is NaN and <see cref="AllocatedBytes"/> and <see cref="Exceptions"/> are -1 when they were
/// not measured (CPU time not sampled for this run, an unsupported platform, or a synchronous scope disposed on another
/// thread than the one that started it). Garbage collections are process-wide counts during the run.
/// </remarks>
public readonly record struct ToolRun
{
    /// <summary>The tool's name.</summary>
    public required string Tool { get; init; }

    /// <summary>When the run ended, in milliseconds since the Unix epoch.</summary>
    public long TimestampMs { get; init; }

    /// <summary>Wall-clock duration in seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>CPU time (user + system) spent by the run's code in seconds, or NaN when not measured.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Bytes allocated on the managed heap by the run's code, or -1 when not measured.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Generation 0 collections in the process while the run was active.</summary>
    public int Gen0Collections { get; init; }

    /// <summary>Generation 1 collections in the process while the run was active.</summary>
    public int Gen1Collections { get; init; }

    /// <summary>Generation 2 collections in the process while the run was active.</summary>
    public int Gen2Collections { get; init; }

    /// <summary>Exceptions thrown (caught or not) by the run's code, or -1 when not measured.</summary>
    public int Exceptions { get; init; }

    /// <summary>How the run ended.</summary>
    public ToolOutcome Outcome { get; init; }

    /// <summary>The error type (an exception's full type name, or the tool's own word) when <see cref="Outcome"/> is a failure.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Cache hits the tool reported.</summary>
    public long CacheHits { get; init; }

    /// <summary>Cache misses the tool reported.</summary>
    public long CacheMisses { get; init; }

    /// <summary>I/O operations the tool reported.</summary>
    public long IoOperations { get; init; }

    /// <summary>Network calls the tool reported.</summary>
    public long NetworkCalls { get; init; }

    /// <summary>True when the run failed.</summary>
    public bool IsFailure => Outcome == ToolOutcome.Failure;
}
