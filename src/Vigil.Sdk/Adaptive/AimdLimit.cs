using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// Additive increase, multiplicative decrease, as Netflix's AIMDLimit: a dropped request, or one that held its permit
/// longer than <see cref="AimdOptions.Timeout"/>, multiplies the limit by <see cref="AimdOptions.BackoffRatio"/>
/// (rounded down); a successful request grows it by one while the limit is in use (at least half of it in flight).
/// </summary>
public sealed class AimdLimit : ConcurrencyLimitAlgorithm
{
    private int _limit;
    private double _backoff;
    private double _timeoutSeconds;

    /// <summary>Creates the algorithm with <paramref name="options"/> (Netflix's defaults when null).</summary>
    public AimdLimit(AimdOptions? options = null)
        : base(Valid(options).InitialLimit, Valid(options).MinLimit, Valid(options).MaxLimit)
    {
        var o = Valid(options);
        _limit = o.InitialLimit;
        _backoff = o.BackoffRatio;
        _timeoutSeconds = o.Timeout.TotalSeconds;
    }

    /// <inheritdoc />
    public override string Name => "aimd";

    /// <inheritdoc />
    public override int Limit => Volatile.Read(ref _limit);

    /// <summary>Factor applied to the limit on a drop or a timeout.</summary>
    public double BackoffRatio => Volatile.Read(ref _backoff);

    /// <summary>A request holding its permit longer than this counts as a drop.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(Volatile.Read(ref _timeoutSeconds));

    /// <summary>Adds <c>{prefix}.backoff_ratio</c> and <c>{prefix}.timeout_seconds</c> to the bounds.</summary>
    public override void RegisterTunables(TunableRegistry registry, string prefix)
    {
        base.RegisterTunables(registry, prefix);
        registry.AddNumber(prefix + ".backoff_ratio", () => BackoffRatio, v => Locked(() => Volatile.Write(ref _backoff, v)), min: 0.5, max: 0.99,
            description: "AIMD: factor applied to the limit on a drop or a timeout");
        registry.AddNumber(prefix + ".timeout_seconds", () => Volatile.Read(ref _timeoutSeconds), v => Locked(() => Volatile.Write(ref _timeoutSeconds, v)),
            min: 0.001, max: 3600, description: "AIMD: a request holding its permit longer than this counts as a drop", unit: "seconds");
    }

    private protected override int Update(double rtt, int inflight, bool dropped)
    {
        int limit = _limit;
        if (dropped || rtt > _timeoutSeconds)
        {
            limit = (int)(limit * _backoff);
        }
        else if (inflight * 2 >= limit)
        {
            limit++;
        }
        else
        {
            return limit;
        }
        Volatile.Write(ref _limit, Math.Clamp(limit, MinLimit, MaxLimit));
        return _limit;
    }

    private protected override void Clamp(int minLimit, int maxLimit)
        => Volatile.Write(ref _limit, Math.Clamp(_limit, minLimit, maxLimit));

    private static AimdOptions Valid(AimdOptions? options)
    {
        // Note: without options every call gets equal defaults, so reading them more than once is consistent.
        options ??= new AimdOptions();
        options.Validate();
        return options;
    }
}
