using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// Computes a concurrency limit from samples of completed requests (round-trip time, requests in flight when the
/// request started, whether it was dropped), as Netflix's concurrency-limits <c>Limit</c> does.
/// <see cref="AdaptiveConcurrencyLimiter"/> feeds it; tests and simulations can feed it directly.
/// </summary>
/// <remarks>Thread-safe: samples are applied one at a time.</remarks>
public abstract class ConcurrencyLimitAlgorithm
{
    private readonly Lock _lock = new();
    private int _minLimit;
    private int _maxLimit;

    private protected ConcurrencyLimitAlgorithm(int initialLimit, int minLimit, int maxLimit)
    {
        if (minLimit < 1 || maxLimit < minLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(minLimit), $"limits must satisfy 1 <= min ({minLimit}) <= max ({maxLimit})");
        }
        if (initialLimit < minLimit || initialLimit > maxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(initialLimit), initialLimit, $"the initial limit must be within [{minLimit}, {maxLimit}]");
        }
        _minLimit = minLimit;
        _maxLimit = maxLimit;
    }

    /// <summary>The algorithm's name as exported in metrics: <c>gradient2</c> or <c>aimd</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The limit in force.</summary>
    public abstract int Limit { get; }

    /// <summary>The smallest limit the algorithm may choose.</summary>
    public int MinLimit => Volatile.Read(ref _minLimit);

    /// <summary>The largest limit the algorithm may choose.</summary>
    public int MaxLimit => Volatile.Read(ref _maxLimit);

    /// <summary>Applies one sample and returns the limit in force afterwards.</summary>
    /// <param name="rtt">How long the request held its permit.</param>
    /// <param name="inflight">Requests in flight when this one started (itself included).</param>
    /// <param name="dropped">True when the request failed in a way that signals overload (a timeout, a rejection downstream).</param>
    public int OnSample(TimeSpan rtt, int inflight, bool dropped)
    {
        lock (_lock)
        {
            return Update(rtt.Ticks / (double)TimeSpan.TicksPerSecond, inflight, dropped);
        }
    }

    /// <summary>
    /// Registers the algorithm's knobs as tunables named <c>{prefix}.min_limit</c>, <c>{prefix}.max_limit</c> and the
    /// algorithm's own parameters. The limit itself is state, not configuration, and is not a tunable.
    /// </summary>
    public virtual void RegisterTunables(TunableRegistry registry, string prefix)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddInteger(prefix + ".min_limit", () => MinLimit, v => SetBounds((int)v, MaxLimit), min: 1, max: 100_000,
            description: "smallest concurrency limit the adaptive algorithm may choose");
        registry.AddInteger(prefix + ".max_limit", () => MaxLimit, v => SetBounds(MinLimit, (int)v), min: 1, max: 100_000,
            description: "largest concurrency limit the adaptive algorithm may choose");
    }

    /// <summary>Changes the bounds (the limit is brought within them at once); throws <see cref="ArgumentException"/> when min exceeds max.</summary>
    public void SetBounds(int minLimit, int maxLimit)
    {
        if (minLimit < 1 || maxLimit < minLimit)
        {
            throw new ArgumentException($"limits must satisfy 1 <= min_limit ({minLimit}) <= max_limit ({maxLimit})");
        }
        lock (_lock)
        {
            Volatile.Write(ref _minLimit, minLimit);
            Volatile.Write(ref _maxLimit, maxLimit);
            Clamp(minLimit, maxLimit);
        }
    }

    /// <summary>Runs <paramref name="change"/> under the algorithm's lock, so parameters never change in the middle of a sample.</summary>
    private protected void Locked(Action change)
    {
        lock (_lock)
        {
            change();
        }
    }

    /// <summary>Applies a sample (RTT in seconds) under the lock and returns the new limit.</summary>
    private protected abstract int Update(double rttSeconds, int inflight, bool dropped);

    /// <summary>Brings the limit within new bounds, under the lock.</summary>
    private protected abstract void Clamp(int minLimit, int maxLimit);
}
