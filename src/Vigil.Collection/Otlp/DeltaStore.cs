using Vigil.Core.Labels;

namespace Vigil.Collection.Otlp;

/// <summary>
/// The running totals that turn delta-temporality OTLP series into cumulative Prometheus series, kept in memory and
/// bounded: at most <see cref="OtlpOptions.MaxDeltaSeries"/> series (points of new series beyond are rejected and
/// reported as OTLP partial success), and a series not updated for <see cref="OtlpOptions.DeltaSeriesIdle"/> is
/// forgotten (its next point starts a new counter, which PromQL reads as a counter reset).
/// </summary>
/// <remarks>
/// Keyed by the stored family's labels (name and labels, without <c>le</c>). A request works on copies that become
/// current only when its samples are committed, so a refused request leaves the totals as they were. The totals are
/// lost on restart (the next point of each series then starts a new counter). Callers hold <see cref="Lock"/> from the
/// first lookup to <see cref="Commit"/>.
/// </remarks>
internal sealed class DeltaStore
{
    private static readonly long SweepEveryMs = 60_000;

    private readonly Dictionary<LabelSet, DeltaState> _states = new();
    private long _lastSweepMs;

    /// <summary>Held by a request from its first delta point until it committed or gave up.</summary>
    public object Lock { get; } = new();

    /// <summary>How many series have a running total.</summary>
    public int Count => _states.Count;

    /// <summary>The current state of a series (not a copy: clone before changing), or null.</summary>
    public DeltaState? Find(LabelSet key) => _states.GetValueOrDefault(key);

    /// <summary>Makes a request's changed states current.</summary>
    public void Commit(Dictionary<LabelSet, DeltaState> changed)
    {
        foreach (var (key, state) in changed)
        {
            _states[key] = state;
        }
    }

    /// <summary>Forgets series idle longer than <paramref name="idle"/>; does the work at most once a minute.</summary>
    public void Sweep(long nowMs, TimeSpan idle)
    {
        if (nowMs - _lastSweepMs < SweepEveryMs)
        {
            return;
        }
        _lastSweepMs = nowMs;
        long cutoff = nowMs - (long)idle.TotalMilliseconds;
        List<LabelSet>? stale = null;
        foreach (var (key, state) in _states)
        {
            if (state.TouchedMs < cutoff)
            {
                (stale ??= new()).Add(key);
            }
        }
        if (stale is not null)
        {
            foreach (var key in stale)
            {
                _states.Remove(key);
            }
        }
    }
}

/// <summary>The running total of one delta series.</summary>
internal abstract class DeltaState
{
    /// <summary>The start of the first interval: the cumulative series' created timestamp (ms).</summary>
    public long StartMs { get; set; }

    /// <summary>The end of the last interval added (ms); a point not after it is a repeat and is rejected.</summary>
    public long LastMs { get; set; }

    /// <summary>When the state last changed, by the server's clock (ms).</summary>
    public long TouchedMs { get; set; }

    /// <summary>A copy to change within a request.</summary>
    public abstract DeltaState Clone();
}

/// <summary>A delta sum's total.</summary>
internal sealed class SumDeltaState : DeltaState
{
    public double Value { get; set; }

    public override DeltaState Clone() => (SumDeltaState)MemberwiseClone();
}

/// <summary>The count and sum a delta histogram adds up.</summary>
internal abstract class DistributionDeltaState : DeltaState
{
    public double Count { get; set; }

    public double Sum { get; set; }

    public bool HasSum { get; set; }

    /// <summary>Adds one interval's count and sum.</summary>
    public void AddTotals(double count, double sum, bool hasSum)
    {
        Count += count;
        Sum += sum;
        HasSum |= hasSum;
    }
}

/// <summary>A delta histogram's bucket counts, count and sum (explicit bounds).</summary>
internal sealed class HistogramDeltaState : DistributionDeltaState
{
    public double[] Bounds { get; set; } = [];

    public double[] Counts { get; set; } = [];

    public override DeltaState Clone()
    {
        var copy = (HistogramDeltaState)MemberwiseClone();
        copy.Counts = (double[])Counts.Clone();
        return copy;
    }
}

/// <summary>A delta exponential histogram's buckets, count and sum.</summary>
internal sealed class ExponentialDeltaState : DistributionDeltaState
{
    public PowerOfTwoBuckets Buckets { get; set; } = new();

    public override DeltaState Clone()
    {
        var copy = (ExponentialDeltaState)MemberwiseClone();
        copy.Buckets = Buckets.Clone();
        return copy;
    }
}
