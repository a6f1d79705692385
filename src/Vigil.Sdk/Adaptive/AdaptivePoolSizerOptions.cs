namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of an <see cref="AdaptivePoolSizer"/>.</summary>
public sealed class AdaptivePoolSizerOptions
{
    /// <summary>The name in metrics (tag <c>pool</c>) and the prefix of its tunables.</summary>
    public string Name { get; set; } = "pool";

    /// <summary>Workers at the start (1).</summary>
    public int InitialWorkers { get; set; } = 1;

    /// <summary>The fewest workers (1).</summary>
    public int MinWorkers { get; set; } = 1;

    /// <summary>The most workers (256).</summary>
    public int MaxWorkers { get; set; } = 256;

    /// <summary>
    /// The cost of a worker, as a share of the average worker's throughput (0.1): a move that adds workers is kept only
    /// when each added worker raises completed work per second by more than this share of what an average worker
    /// completes, and a move that removes workers is kept when each removed one lowered it by less.
    /// </summary>
    public double WorkerCost { get; set; } = 0.1;

    /// <summary>The largest move at once, in workers (16).</summary>
    public int MaxStep { get; set; } = 16;

    /// <summary>Name of the meter of the sizer's instruments.</summary>
    public string MeterName { get; set; } = AdaptiveMetrics.DefaultMeterName;

    /// <summary>Clock of <see cref="AdaptivePoolSizer.ObserveTotal"/> (the system clock unless a test supplies one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (MinWorkers < 1 || MaxWorkers < MinWorkers)
        {
            throw new ArgumentOutOfRangeException(nameof(MinWorkers), $"AdaptivePoolSizerOptions: workers must satisfy 1 <= MinWorkers ({MinWorkers}) <= MaxWorkers ({MaxWorkers})");
        }
        if (InitialWorkers < MinWorkers || InitialWorkers > MaxWorkers)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialWorkers), InitialWorkers, $"AdaptivePoolSizerOptions.InitialWorkers must be within [{MinWorkers}, {MaxWorkers}]");
        }
        if (!(WorkerCost >= 0 && WorkerCost < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerCost), WorkerCost, "AdaptivePoolSizerOptions.WorkerCost must be in [0, 1).");
        }
        if (MaxStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStep), MaxStep, "AdaptivePoolSizerOptions.MaxStep must be positive.");
        }
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
