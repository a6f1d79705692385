using Vigil.Core.Exposition;

namespace Vigil.Sdk.Profiling;

/// <summary>Bucket counts, sum and count of one histogram series; mutated under the owning tool's lock.</summary>
internal sealed class HistogramCells
{
    public HistogramCells(int bounds)
    {
        Buckets = new long[bounds + 1];
    }

    private HistogramCells(HistogramCells other)
    {
        Buckets = (long[])other.Buckets.Clone();
        Sum = other.Sum;
        Count = other.Count;
    }

    /// <summary>Non-cumulative counts: <c>Buckets[i]</c> counts values in (bound[i-1], bound[i]]; the last is above every bound.</summary>
    public long[] Buckets { get; }

    public double Sum;

    public long Count;

    public void Observe(double value, double[] bounds)
    {
        Buckets[HistogramBuckets.IndexOf(bounds, value)]++;
        Sum += value;
        Count++;
    }

    public HistogramCells Clone() => new(this);
}

/// <summary>Everything counted for one series (tool, tag set) and one outcome; mutated under the owning tool's lock.</summary>
internal sealed class OutcomeCells
{
    public OutcomeCells(int durationBounds, int cpuBounds, int allocBounds)
    {
        Duration = new HistogramCells(durationBounds);
        Cpu = new HistogramCells(cpuBounds);
        Allocated = new HistogramCells(allocBounds);
    }

    private OutcomeCells(OutcomeCells other)
    {
        Duration = other.Duration.Clone();
        Cpu = other.Cpu.Clone();
        Allocated = other.Allocated.Clone();
        Runs = other.Runs;
        Exceptions = other.Exceptions;
        CacheHits = other.CacheHits;
        CacheMisses = other.CacheMisses;
        IoOperations = other.IoOperations;
        NetworkCalls = other.NetworkCalls;
        Gen0 = other.Gen0;
        Gen1 = other.Gen1;
        Gen2 = other.Gen2;
    }

    public HistogramCells Duration { get; }

    public HistogramCells Cpu { get; }

    public HistogramCells Allocated { get; }

    public long Runs;
    public long Exceptions;
    public long CacheHits;
    public long CacheMisses;
    public long IoOperations;
    public long NetworkCalls;
    public long Gen0;
    public long Gen1;
    public long Gen2;

    public OutcomeCells Clone() => new(this);
}
