using System.Buffers;
using System.Runtime.CompilerServices;
using Vigil.Core.Labels;

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

    private void Grow(int capacityHint)
    {
        int size = Math.Max(Math.Max(Points.Length * 2, Math.Min(capacityHint, 5000)), 4);
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
internal static class PointPool
{
    private const int SmallMax = 1024;

    // Note: buffers of up to 1024 points (the usual dashboard step count) come from a dedicated pool that keeps 1024
    // per size, because a query holds one buffer per series and the shared pool's few buffers per size would make most
    // rents of a many-series query allocate. Worst-case retention is ~32 MB; bigger buffers use the shared pool.
    private static readonly ArrayPool<FPoint> Small = ArrayPool<FPoint>.Create(SmallMax, 1024);

    public static FPoint[] Rent(int minLength)
    {
        int n = Math.Max(minLength, 4);
        return n <= SmallMax ? Small.Rent(n) : ArrayPool<FPoint>.Shared.Rent(n);
    }

    public static void Return(FPoint[] array)
    {
        if (array.Length == 0)
        {
            return;
        }
        if (array.Length <= SmallMax)
        {
            Small.Return(array);
        }
        else
        {
            ArrayPool<FPoint>.Shared.Return(array);
        }
    }

    public static void Release(List<EvalSeries> matrix)
    {
        foreach (var s in matrix)
        {
            s.Release();
        }
    }
}

/// <summary>One element of an instant vector within a step.</summary>
internal struct StepSample
{
    public LabelSet Metric;
    public double F;
    public long T;
    public bool DropName;

    /// <summary>Index of the series in the argument matrix (to find per-series helpers such as signatures).</summary>
    public int Index;
}
