namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of an <see cref="AdaptiveCacheSizer"/>.</summary>
public sealed class AdaptiveCacheSizerOptions
{
    /// <summary>The name in metrics (tag <c>cache</c>) and the prefix of its tunables.</summary>
    public string Name { get; set; } = "cache";

    /// <summary>Capacity at the start, in entries (1,024).</summary>
    public long InitialCapacity { get; set; } = 1024;

    /// <summary>The smallest capacity (16).</summary>
    public long MinCapacity { get; set; } = 16;

    /// <summary>The largest capacity (16 M entries).</summary>
    public long MaxCapacity { get; set; } = 16L * 1024 * 1024;

    /// <summary>Bytes the cache may use; the capacity never grows past what fits at the observed bytes per entry (256 MiB).</summary>
    public long MemoryBudgetBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Capacity multiplier of a growth step (1.25).</summary>
    public double GrowthFactor { get; set; } = 1.25;

    /// <summary>Capacity multiplier of a shrink step under memory pressure (0.75).</summary>
    public double ShrinkFactor { get; set; } = 0.75;

    /// <summary>Rise of the hit ratio (absolute, 0.01 = one point) a growth step must bring for growing to go on (0.01).</summary>
    public double MinImprovement { get; set; } = 0.01;

    /// <summary>Intervals to stay at a plateau before probing one growth step again (20).</summary>
    public int ReprobeIntervals { get; set; } = 20;

    /// <summary>
    /// Memory pressure when the memory load reaches this share of the GC's high-memory-load threshold (0.9): from
    /// <see cref="GC.GetGCMemoryInfo()"/>, <c>MemoryLoadBytes / HighMemoryLoadThresholdBytes</c>.
    /// </summary>
    public double PressureThreshold { get; set; } = 0.9;

    /// <summary>Reads the memory load as a share of the high-memory-load threshold; the GC's figures unless a test supplies a signal.</summary>
    public Func<double> MemoryLoad { get; set; } = AdaptiveCacheSizer.GcMemoryLoad;

    /// <summary>Name of the meter of the sizer's instruments.</summary>
    public string MeterName { get; set; } = AdaptiveMetrics.DefaultMeterName;

    internal void Validate()
    {
        if (MinCapacity < 1 || MaxCapacity < MinCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(MinCapacity), $"AdaptiveCacheSizerOptions: capacities must satisfy 1 <= MinCapacity ({MinCapacity}) <= MaxCapacity ({MaxCapacity})");
        }
        if (InitialCapacity < MinCapacity || InitialCapacity > MaxCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialCapacity), InitialCapacity, $"AdaptiveCacheSizerOptions.InitialCapacity must be within [{MinCapacity}, {MaxCapacity}]");
        }
        if (MemoryBudgetBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "AdaptiveCacheSizerOptions.MemoryBudgetBytes must be positive.");
        }
        if (!(GrowthFactor > 1 && GrowthFactor <= 4))
        {
            throw new ArgumentOutOfRangeException(nameof(GrowthFactor), GrowthFactor, "AdaptiveCacheSizerOptions.GrowthFactor must be in (1, 4].");
        }
        if (!(ShrinkFactor > 0 && ShrinkFactor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ShrinkFactor), ShrinkFactor, "AdaptiveCacheSizerOptions.ShrinkFactor must be in (0, 1).");
        }
        if (!(MinImprovement >= 0 && MinImprovement < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinImprovement), MinImprovement, "AdaptiveCacheSizerOptions.MinImprovement must be in [0, 1).");
        }
        if (ReprobeIntervals < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReprobeIntervals), ReprobeIntervals, "AdaptiveCacheSizerOptions.ReprobeIntervals must be positive.");
        }
        if (!(PressureThreshold > 0 && PressureThreshold <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(PressureThreshold), PressureThreshold, "AdaptiveCacheSizerOptions.PressureThreshold must be in (0, 2].");
        }
        ArgumentNullException.ThrowIfNull(MemoryLoad);
    }
}
