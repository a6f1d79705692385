namespace Vigil.Sdk.Adaptive;

/// <summary>Settings of an <see cref="AdaptiveConcurrencyLimiter"/>.</summary>
public sealed class AdaptiveConcurrencyLimiterOptions
{
    /// <summary>The name in metrics (tag <c>limiter</c>) and the prefix of its tunables.</summary>
    public string Name { get; set; } = "limiter";

    /// <summary>The algorithm that sets the limit (Gradient2 with Netflix's defaults when null).</summary>
    public ConcurrencyLimitAlgorithm? Algorithm { get; set; }

    /// <summary>Requests <c>AcquireAsync</c> may queue, oldest first, while the limit is reached (0: reject at once, as Netflix's SimpleLimiter).</summary>
    public int QueueLimit { get; set; }

    /// <summary>Name of the meter of the limiter's instruments.</summary>
    public string MeterName { get; set; } = AdaptiveMetrics.DefaultMeterName;

    /// <summary>Clock of the round-trip times (the system clock unless a test supplies one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
