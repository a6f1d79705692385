namespace Vigil.Analysis.Anomaly;

/// <summary>The last N values kept both in arrival order and sorted, for sliding medians, quantiles and MAD in O(N) per point.</summary>
internal sealed class SortedWindow
{
    private readonly RingBuffer _arrival;
    private readonly double[] _sorted;
    private readonly double[] _scratch;

    public SortedWindow(int capacity)
    {
        _arrival = new RingBuffer(capacity);
        _sorted = new double[capacity];
        _scratch = new double[capacity];
    }

    public int Count => _arrival.Count;

    public int Capacity => _arrival.Capacity;

    public RingBuffer Arrival => _arrival;

    public void Add(double value)
    {
        int n = _arrival.Count;
        if (_arrival.Add(value, out double evicted))
        {
            int at = Array.BinarySearch(_sorted, 0, n, evicted);
            Array.Copy(_sorted, at + 1, _sorted, at, n - at - 1);
            n--;
        }
        int pos = Array.BinarySearch(_sorted, 0, n, value);
        if (pos < 0)
        {
            pos = ~pos;
        }
        Array.Copy(_sorted, pos, _sorted, pos + 1, n - pos);
        _sorted[pos] = value;
    }

    /// <summary>The q-quantile with linear interpolation between order statistics.</summary>
    public double Quantile(double q)
    {
        int n = Count;
        double h = (n - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, n - 1);
        return _sorted[lo] + ((h - lo) * (_sorted[hi] - _sorted[lo]));
    }

    public double Median() => Quantile(0.5);

    /// <summary>The median absolute deviation from <paramref name="center"/>, by merging the two sorted halves around it.</summary>
    public double Mad(double center)
    {
        int n = Count;
        int split = Array.BinarySearch(_sorted, 0, n, center);
        if (split < 0)
        {
            split = ~split;
        }
        // Note: deviations below the centre grow leftwards and above it rightwards, so a two-pointer merge yields them sorted.
        int left = split - 1, right = split, k = 0;
        int need = (n / 2) + 1;
        while (k < need)
        {
            double dl = left >= 0 ? center - _sorted[left] : double.PositiveInfinity;
            double dr = right < n ? _sorted[right] - center : double.PositiveInfinity;
            if (dl <= dr)
            {
                _scratch[k++] = dl;
                left--;
            }
            else
            {
                _scratch[k++] = dr;
                right++;
            }
        }
        return (n % 2 == 1) ? _scratch[n / 2] : 0.5 * (_scratch[(n / 2) - 1] + _scratch[n / 2]);
    }

    public void Write(StateWriter w) => _arrival.Write(w);

    public static SortedWindow Read(StateReader r)
    {
        var ring = RingBuffer.Read(r);
        var window = new SortedWindow(ring.Capacity);
        for (int i = 0; i < ring.Count; i++)
        {
            window.Add(ring[i]);
        }
        return window;
    }
}
