namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of <see cref="AimdLimit"/>; the defaults are Netflix concurrency-limits' defaults.</summary>
public sealed class AimdOptions
{
    /// <summary>The limit before the first sample (20).</summary>
    public int InitialLimit { get; set; } = 20;

    /// <summary>The smallest limit (20).</summary>
    public int MinLimit { get; set; } = 20;

    /// <summary>The largest limit (200).</summary>
    public int MaxLimit { get; set; } = 200;

    /// <summary>Factor applied to the limit on a drop or a timeout, in [0.5, 1) (0.9).</summary>
    public double BackoffRatio { get; set; } = 0.9;

    /// <summary>A request holding its permit longer than this counts as a drop (5 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (!(BackoffRatio >= 0.5 && BackoffRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(BackoffRatio), BackoffRatio, "AimdOptions.BackoffRatio must be in [0.5, 1).");
        }
        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "AimdOptions.Timeout must be positive.");
        }
    }
}
