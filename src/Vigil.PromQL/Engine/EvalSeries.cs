using System.Runtime.CompilerServices;
using Vigil.Core.Labels;

using Vigil.Core.Histograms;

namespace Vigil.PromQL.Engine;

/// <summary>A series during evaluation: labels plus a pooled point buffer. Not thread-safe.</summary>
internal sealed class EvalSeries
{
    public EvalSeries(LabelSet metric, bool dropName = false)
    {
        Metric = metric;
        DropName = dropName;
    }

    public LabelSet Metric;
    public FPoint[] Points = [];
    public int Count;
    public bool DropName;

    /// <summary>Position of the next point not yet consumed by a per-step gather.</summary>
    public int Cursor;

    /// <summary>Timestamp of the last point appended by rangeEval (duplicate-labels detection).</summary>
    public long LastT = long.MinValue;

    public ReadOnlySpan<FPoint> Span => Points.AsSpan(0, Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long t, double f, int capacityHint)
    {
        if (Count == Points.Length)
        {
            Grow(capacityHint);
        }
        Points[Count++] = new FPoint(t, f);
    }

    /// <summary>Appends a float point (<paramref name="h"/> null) or a histogram point.</summary>
    public void Add(long t, double f, FloatHistogram? h, int capacityHint)
    {
        if (Count == Points.Length)
        {
            Grow(capacityHint);
        }
        Points[Count++] = new FPoint(t, f, h);
    }

    /// <param name="capacityHint">The most points this series can get (the step count): the buffer never grows past it.</param>
    private void Grow(int capacityHint)
    {
        int size = Math.Max(Math.Max(Points.Length * 2, Math.Min(capacityHint, 5000)), 4);
        size = Math.Min(size, Math.Max(capacityHint, Count + 1));
        var next = PointPool.Rent(size);
        Points.AsSpan(0, Count).CopyTo(next);
        PointPool.Return(Points);
        Points = next;
    }

    /// <summary>Returns the buffer to the pool; the series must not be used afterwards.</summary>
    public void Release()
    {
        PointPool.Return(Points);
        Points = [];
        Count = 0;
    }
}

/// <summary>Pooled point buffers, so evaluating a step never allocates per sample.</summary>
/// <remarks>
/// Thread-safe. Buffers of 16 to 65,536 points come in power-of-two sizes from per-size stacks that together keep at most
/// <see cref="RetainedBytesLimit"/> bytes: a query over many series holds one buffer per series, and a pool that keeps
/// a few buffers per size (like the shared ArrayPool) would make most of those rents allocate again on every query.
/// Larger buffers (a subquery with many steps, a long range) are allocated for the query and left to the garbage
/// collector afterwards: pooling them (the shared ArrayPool keeps arrays up to a gigabyte) would hold the memory of the
/// largest query ever run for the life of the process.
/// </remarks>
internal static class PointPool
{
    private const int MinShift = 4;
    private const int MaxShift = 16;
    private const long RetainedBytesLimit = 64L << 20;
    private static readonly Stack<FPoint[]>[] Buckets = CreateBuckets();
    private static long _retainedBytes;

    public static FPoint[] Rent(int minLength)
    {
        int n = Math.Max(minLength, 1 << MinShift);
        if (n > 1 << MaxShift)
        {
            return GC.AllocateUninitializedArray<FPoint>(n);
        }
        int shift = Math.Max(MinShift, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n - 1));
        var bucket = Buckets[shift - MinShift];
        lock (bucket)
        {
            if (bucket.TryPop(out var array))
            {
                Interlocked.Add(ref _retainedBytes, -(long)array.Length * Unsafe.SizeOf<FPoint>());
                return array;
            }
        }
        return new FPoint[1 << shift];
    }

    public static void Return(FPoint[] array)
    {
        int length = array.Length;
        if (length == 0)
        {
            return;
        }
        if (length > 1 << MaxShift || length < 1 << MinShift || !System.Numerics.BitOperations.IsPow2(length))
        {
            // Note: too big to keep, or not one of ours (e.g. a caller's own array); let the garbage collector have it.
            return;
        }
        long bytes = (long)length * Unsafe.SizeOf<FPoint>();
        if (Interlocked.Add(ref _retainedBytes, bytes) > RetainedBytesLimit)
        {
            Interlocked.Add(ref _retainedBytes, -bytes);
            return;
        }
        var bucket = Buckets[System.Numerics.BitOperations.Log2((uint)length) - MinShift];
        lock (bucket)
        {
            bucket.Push(array);
        }
    }

    public static void Release(List<EvalSeries> matrix)
    {
        foreach (var s in matrix)
        {
            s.Release();
        }
    }

    private static Stack<FPoint[]>[] CreateBuckets()
    {
        var buckets = new Stack<FPoint[]>[MaxShift - MinShift + 1];
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new Stack<FPoint[]>();
        }
        return buckets;
    }
}

/// <summary>One element of an instant vector within a step.</summary>
internal struct StepSample
{
    public LabelSet Metric;
    public double F;

    /// <summary>The native histogram of this sample, or null for a float sample.</summary>
    public FloatHistogram? H;
    public long T;
    public bool DropName;

    /// <summary>Index of the series in the argument matrix (to find per-series helpers such as signatures).</summary>
    public int Index;
}
