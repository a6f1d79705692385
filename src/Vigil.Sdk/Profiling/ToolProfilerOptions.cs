namespace Vigil.Sdk.Profiling;

/// <summary>Settings of a <see cref="ToolProfiler"/>; read once when the profiler is created.</summary>
public sealed class ToolProfilerOptions
{
    /// <summary>Default bucket bounds of the duration and CPU time histograms, in seconds (100 µs to 60 s).</summary>
    public static IReadOnlyList<double> DefaultSecondsBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Default bucket bounds of the allocated-bytes histogram (1 KiB to 1 GiB in powers of 4).</summary>
    public static IReadOnlyList<double> DefaultBytesBuckets { get; } =
        [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824];

    /// <summary>Name of the <see cref="System.Diagnostics.Metrics.Meter"/> the profiler's instruments belong to.</summary>
    public string MeterName { get; set; } = "Vigil.Sdk";

    /// <summary>
    /// Distinct tool names kept; runs of further tools are recorded under <see cref="ToolProfiler.OverflowToolName"/> and
    /// counted as dropped.
    /// </summary>
    public int MaxTools { get; set; } = 256;

    /// <summary>
    /// Distinct tag combinations kept per tool; runs with further combinations are recorded in one overflow series
    /// (tag <c>otel.metric.overflow=true</c>, as OpenTelemetry does) and counted as dropped.
    /// </summary>
    public int MaxTagSetsPerTool { get; set; } = 64;

    /// <summary>Distinct user-defined counter names and error types kept per tool; further ones are counted as dropped.</summary>
    public int MaxCounterNamesPerTool { get; set; } = 32;

    /// <summary>Runs kept per tool in the rolling store (the oldest are overwritten); memory grows with use up to this.</summary>
    public int RunsPerTool { get; set; } = 2048;

    /// <summary>
    /// Thread CPU time of synchronous scopes of short tools is measured in one scope of every N per thread (100 by
    /// default); 1 measures every run, 0 none. A tool counts as short while its runs average less than
    /// <see cref="CpuTimeFullThreshold"/>; longer tools are measured on every run. Reading the thread CPU clock is a system
    /// call on Linux (about 1 µs on a VM), so measuring it twice per run would dominate a sub-microsecond scope while
    /// adding under 2 % to a 100 µs one. Asynchronous runs always measure it.
    /// </summary>
    public int CpuTimeSampling { get; set; } = 100;

    /// <summary>
    /// Average run duration from which every synchronous run of a tool measures CPU time (100 µs); below it one run in
    /// <see cref="CpuTimeSampling"/> does. The average is an exponential one (weight 1/16) over the tool's runs, and a
    /// tool's first run is always measured. <see cref="TimeSpan.Zero"/> measures every run of every tool.
    /// </summary>
    public TimeSpan CpuTimeFullThreshold { get; set; } = TimeSpan.FromMicroseconds(100);

    /// <summary>Bucket bounds of <c>vigil.tool.duration</c>, in seconds.</summary>
    public IReadOnlyList<double> DurationBuckets { get; set; } = DefaultSecondsBuckets;

    /// <summary>Bucket bounds of <c>vigil.tool.cpu_time</c>, in seconds.</summary>
    public IReadOnlyList<double> CpuTimeBuckets { get; set; } = DefaultSecondsBuckets;

    /// <summary>Bucket bounds of <c>vigil.tool.allocated_bytes</c>, in bytes.</summary>
    public IReadOnlyList<double> AllocatedBytesBuckets { get; set; } = DefaultBytesBuckets;

    /// <summary>Clock for run timestamps and summary windows (the system clock unless a test supplies one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(MeterName))
        {
            throw new ArgumentException("ToolProfilerOptions.MeterName must not be empty.");
        }
        Positive(MaxTools, nameof(MaxTools));
        Positive(MaxTagSetsPerTool, nameof(MaxTagSetsPerTool));
        Positive(MaxCounterNamesPerTool, nameof(MaxCounterNamesPerTool));
        Positive(RunsPerTool, nameof(RunsPerTool));
        if (CpuTimeSampling < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CpuTimeSampling), CpuTimeSampling, "ToolProfilerOptions.CpuTimeSampling must be 0 (never) or a positive N (one run in N).");
        }
        if (CpuTimeFullThreshold < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CpuTimeFullThreshold), CpuTimeFullThreshold, "ToolProfilerOptions.CpuTimeFullThreshold must not be negative.");
        }
        ValidateBuckets(DurationBuckets, nameof(DurationBuckets));
        ValidateBuckets(CpuTimeBuckets, nameof(CpuTimeBuckets));
        ValidateBuckets(AllocatedBytesBuckets, nameof(AllocatedBytesBuckets));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"ToolProfilerOptions.{name} must be positive.");
        }
    }

    private static void ValidateBuckets(IReadOnlyList<double> bounds, string name)
    {
        if (bounds is null || bounds.Count == 0)
        {
            throw new ArgumentException($"ToolProfilerOptions.{name} must list at least one bucket bound.", name);
        }
        for (int i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]))
            {
                throw new ArgumentException($"ToolProfilerOptions.{name}[{i}] is {bounds[i]}; bucket bounds must be finite (+Inf is implied).", name);
            }
            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                throw new ArgumentException($"ToolProfilerOptions.{name}[{i}] ({bounds[i]}) is not greater than the bound before it; bounds must increase.", name);
            }
        }
    }
}
