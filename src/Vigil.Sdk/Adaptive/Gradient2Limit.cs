using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// Netflix's Gradient2: the limit follows the ratio of a long-term average RTT (the no-load baseline, an exponential
/// average over <see cref="Gradient2Options.LongWindow"/> samples) to the latest RTT. While latency stays within
/// <see cref="Gradient2Options.RttTolerance"/> times the baseline the limit grows by up to
/// <see cref="Gradient2Options.QueueSize"/> per sample (smoothed); when queueing makes latency grow the ratio drops
/// below one and the limit shrinks, by at most half per sample before smoothing.
/// </summary>
/// <remarks>
/// <para>Per sample, with <c>L</c> the estimated limit, <c>s</c> the smoothing, <c>q</c> the queue size, <c>t</c> the tolerance:
/// <c>gradient = clamp(t · longRtt / rtt, 0.5, 1)</c>, <c>L' = (1 − s) · L + s · (gradient · L + q)</c>, clamped to the bounds.
/// The limit does not change while fewer than <c>L / 2</c> requests are in flight (the application, not the limit,
/// bounds concurrency then, so a sample says nothing about the limit). When the baseline is more than twice the
/// latest RTT (load has just gone away) the baseline is cut by 5 % so it recovers faster than the average alone would.
/// Drops are ignored: Gradient2 reacts to latency only.</para>
/// </remarks>
public sealed class Gradient2Limit : ConcurrencyLimitAlgorithm
{
    private const int WarmupSamples = 10;

    private double _estimated;
    private double _longRtt;
    private double _lastRtt;
    private int _samples;
    private double _smoothing;
    private double _tolerance;
    private int _queueSize;
    private readonly int _longWindow;

    /// <summary>Creates the algorithm with <paramref name="options"/> (Netflix's defaults when null).</summary>
    public Gradient2Limit(Gradient2Options? options = null)
        : base(Valid(options).InitialLimit, Valid(options).MinLimit, Valid(options).MaxLimit)
    {
        var o = Valid(options);
        _estimated = o.InitialLimit;
        _smoothing = o.Smoothing;
        _tolerance = o.RttTolerance;
        _queueSize = o.QueueSize;
        _longWindow = o.LongWindow;
    }

    /// <inheritdoc />
    public override string Name => "gradient2";

    /// <inheritdoc />
    public override int Limit => (int)Volatile.Read(ref _estimated);

    /// <summary>The long-term average RTT (the baseline), or zero before the first sample.</summary>
    public TimeSpan BaselineRtt => TimeSpan.FromSeconds(Volatile.Read(ref _longRtt));

    /// <summary>The latest RTT sampled.</summary>
    public TimeSpan LastRtt => TimeSpan.FromSeconds(Volatile.Read(ref _lastRtt));

    /// <summary>Smoothing factor in (0, 1]: how much of each new estimate is taken.</summary>
    public double Smoothing => Volatile.Read(ref _smoothing);

    /// <summary>How much latency may grow over the baseline (≥ 1) before the limit shrinks.</summary>
    public double RttTolerance => Volatile.Read(ref _tolerance);

    /// <summary>How much the limit may grow per sample while latency is flat.</summary>
    public int QueueSize => Volatile.Read(ref _queueSize);

    /// <summary>Adds <c>{prefix}.smoothing</c>, <c>{prefix}.rtt_tolerance</c> and <c>{prefix}.queue_size</c> to the bounds.</summary>
    public override void RegisterTunables(TunableRegistry registry, string prefix)
    {
        base.RegisterTunables(registry, prefix);
        registry.AddNumber(prefix + ".smoothing", () => Smoothing, v => Locked(() => Volatile.Write(ref _smoothing, v)), min: 0.01, max: 1,
            description: "Gradient2: share of each new estimate taken into the limit");
        registry.AddNumber(prefix + ".rtt_tolerance", () => RttTolerance, v => Locked(() => Volatile.Write(ref _tolerance, v)), min: 1, max: 10,
            description: "Gradient2: latency growth over the baseline tolerated before the limit shrinks");
        registry.AddInteger(prefix + ".queue_size", () => QueueSize, v => Locked(() => Volatile.Write(ref _queueSize, (int)v)), min: 0, max: 1000,
            description: "Gradient2: growth of the limit per sample while latency is flat");
    }

    private protected override int Update(double rtt, int inflight, bool dropped)
    {
        if (!(rtt > 0))
        {
            // Note: a zero RTT (a coarse clock) carries no latency information and would divide by zero.
            return (int)_estimated;
        }
        Volatile.Write(ref _lastRtt, rtt);
        double longRtt = AddToBaseline(rtt);
        if (longRtt / rtt > 2)
        {
            Volatile.Write(ref _longRtt, _longRtt * 0.95);
        }
        if (inflight < _estimated / 2)
        {
            return (int)_estimated;
        }
        double gradient = Math.Clamp(_tolerance * longRtt / rtt, 0.5, 1.0);
        double candidate = (_estimated * gradient) + _queueSize;
        candidate = (_estimated * (1 - _smoothing)) + (candidate * _smoothing);
        Volatile.Write(ref _estimated, Math.Clamp(candidate, MinLimit, MaxLimit));
        return (int)_estimated;
    }

    private static Gradient2Options Valid(Gradient2Options? options)
    {
        // Note: without options every call gets equal defaults, so reading them more than once is consistent.
        options ??= new Gradient2Options();
        options.Validate();
        return options;
    }

    private protected override void Clamp(int minLimit, int maxLimit)
        => Volatile.Write(ref _estimated, Math.Clamp(_estimated, minLimit, maxLimit));

    /// <summary>The plain mean of the first samples, then an exponential average with factor 2 / (window + 1).</summary>
    private double AddToBaseline(double rtt)
    {
        double value;
        if (_samples < WarmupSamples)
        {
            _samples++;
            value = _longRtt + ((rtt - _longRtt) / _samples);
        }
        else
        {
            double factor = 2.0 / (_longWindow + 1);
            value = (_longRtt * (1 - factor)) + (rtt * factor);
        }
        Volatile.Write(ref _longRtt, value);
        return value;
    }
}
