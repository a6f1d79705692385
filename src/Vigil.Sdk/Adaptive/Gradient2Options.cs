namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of <see cref="Gradient2Limit"/>; the defaults are Netflix concurrency-limits' defaults.</summary>
public sealed class Gradient2Options
{
    /// <summary>The limit before the first sample (20).</summary>
    public int InitialLimit { get; set; } = 20;

    /// <summary>The smallest limit (20).</summary>
    public int MinLimit { get; set; } = 20;

    /// <summary>The largest limit (200).</summary>
    public int MaxLimit { get; set; } = 200;

    /// <summary>Share of each new estimate taken into the limit, in (0, 1] (0.2).</summary>
    public double Smoothing { get; set; } = 0.2;

    /// <summary>Latency growth over the baseline tolerated before the limit shrinks, ≥ 1 (1.5).</summary>
    public double RttTolerance { get; set; } = 1.5;

    /// <summary>Growth of the limit per sample while latency is flat (4).</summary>
    public int QueueSize { get; set; } = 4;

    /// <summary>Samples averaged by the long-term (baseline) RTT (600).</summary>
    public int LongWindow { get; set; } = 600;

    internal void Validate()
    {
        if (!(Smoothing > 0 && Smoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Gradient2Options.Smoothing must be in (0, 1].");
        }
        if (!(RttTolerance >= 1) || !double.IsFinite(RttTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(RttTolerance), RttTolerance, "Gradient2Options.RttTolerance must be at least 1.");
        }
        if (QueueSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueSize), QueueSize, "Gradient2Options.QueueSize must not be negative.");
        }
        if (LongWindow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LongWindow), LongWindow, "Gradient2Options.LongWindow must be positive.");
        }
    }
}
