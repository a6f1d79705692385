namespace Vigil.Bench;

/// <summary>
/// A queueing model of the demo service (samples/Vigil.Demo.Service) for <c>vigil bench optimize</c>: a worker pool in
/// front of a downstream with a fixed number of cores, an LRU cache over Zipf-distributed keys, and two extra knobs
/// (a batch size with an optimum in the middle, a flush interval with no effect). Time is simulated.
/// </summary>
/// <remarks>
/// Misses reach the downstream (10 ms of one core each on average, exponential, times the batch factor); hits cost 0.3 ms.
/// The misses queue as in M/M/c with c = min(pool, cores).
/// Workers beyond the cores add 0.2 % overhead each. At 98 % utilisation or more the service times out (1 s) and fails
/// requests. The model is deterministic; <see cref="Sample"/> adds the measurement noise.
/// </remarks>
internal sealed record DemoServiceModel
{
    public const int Keys = 10_000;
    public const double MissSeconds = 0.010;
    public const double HitSeconds = 0.0003;
    public const double TimeoutSeconds = 1.0;

    /// <summary>Requests per second.</summary>
    public double Rate { get; init; } = 200;

    /// <summary>Downstream cores (a noisy neighbour takes some away).</summary>
    public double Cores { get; init; } = 8;

    /// <summary>Knob values by name: pool_size, cache_size, batch_size, flush_ms.</summary>
    public IReadOnlyDictionary<string, double> Knobs { get; init; } = new Dictionary<string, double>();

    /// <summary>The share of requests answered from the cache (Zipf s = 1 over <see cref="Keys"/> keys).</summary>
    public double HitRatio => Math.Clamp(Harmonic(Knob("cache_size", 200)) / Harmonic(Keys), 0, 1);

    /// <summary>The share of requests that fail (time out).</summary>
    public double ErrorRatio => Utilisation >= 0.98 ? Math.Min(1, 0.05 + (Utilisation - 0.98)) : 0;

    /// <summary>The utilisation of the bottleneck servers.</summary>
    public double Utilisation => MissRate * ServiceSeconds / Servers;

    /// <summary>The p99 latency in seconds.</summary>
    /// <remarks>
    /// Only misses are slow, so the p99 over all requests is the miss latency's (1 − 0.01 / m) quantile for a miss share m:
    /// an exponential service time's part s·ln(m / 0.01), plus the Erlang-C wait's part where waiting is likely enough.
    /// </remarks>
    public double P99
    {
        get
        {
            double m = 1 - HitRatio;
            if (m <= 0.01)
            {
                return HitSeconds * 4.6;
            }
            double rho = Utilisation;
            if (rho >= 0.98)
            {
                return TimeoutSeconds;
            }
            double c = Servers;
            double mu = 1 / ServiceSeconds;
            double tail = 0.01 / m;
            double erlangC = ErlangC((int)Math.Round(c), MissRate / mu);
            double wait = erlangC <= tail ? 0 : Math.Log(erlangC / tail) / ((c * mu) - MissRate);
            return Math.Min(TimeoutSeconds, (ServiceSeconds * Math.Log(m / 0.01)) + wait);
        }
    }

    private double MissRate => Rate * (1 - HitRatio);

    private double Servers => Math.Max(1, Math.Min(Math.Round(Knob("pool_size", 4)), Math.Round(Cores)));

    private double ServiceSeconds
    {
        get
        {
            double pool = Knob("pool_size", 4);
            double overhead = 1 + (0.002 * Math.Max(0, pool - Cores));
            double lb = Math.Log2(Math.Max(1, Knob("batch_size", 16)));
            double batch = 1 + (0.25 * (lb - 4) * (lb - 4) / 4);
            return MissSeconds * overhead * batch;
        }
    }

    /// <summary>One per-second p99 measurement: the model's value with multiplicative log-normal noise (σ = <paramref name="sigma"/>).</summary>
    public double Sample(Random random, double sigma) => P99 * Math.Exp(sigma * MathNet.Numerics.Distributions.Normal.Sample(random, 0, 1));

    /// <summary>This model with knob <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public DemoServiceModel With(string name, double value) => this with { Knobs = new Dictionary<string, double>(Knobs) { [name] = value } };

    private double Knob(string name, double fallback) => Knobs.TryGetValue(name, out double v) ? v : fallback;

    private static double Harmonic(double n) => n < 1 ? 0 : Math.Log(n) + 0.5772156649 + (1 / (2 * n));

    /// <summary>The Erlang-C probability that an arrival waits, for <paramref name="c"/> servers and offered load <paramref name="a"/> (erlangs).</summary>
    private static double ErlangC(int c, double a)
    {
        if (a >= c)
        {
            return 1;
        }
        double term = 1;
        double sum = 1;
        for (int k = 1; k < c; k++)
        {
            term *= a / k;
            sum += term;
        }
        double last = term * a / c;
        double top = last * c / (c - a);
        return top / (sum + top);
    }
}
