namespace Vigil.Analysis.Anomaly;

/// <summary>A fixed-capacity ring of doubles; adding to a full ring overwrites the oldest value.</summary>
internal sealed class RingBuffer
{
    private readonly double[] _items;
    private int _start;

    public RingBuffer(int capacity)
    {
        _items = new double[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == _items.Length;

    /// <summary>The value <paramref name="index"/> places after the oldest (0 = oldest).</summary>
    public double this[int index] => _items[(_start + index) % _items.Length];

    /// <summary>The value <paramref name="back"/> places before the newest (0 = newest).</summary>
    public double FromEnd(int back) => this[Count - 1 - back];

    /// <summary>Appends a value; returns true and the evicted value when the ring was full.</summary>
    public bool Add(double value, out double evicted)
    {
        if (Count < _items.Length)
        {
            _items[(_start + Count) % _items.Length] = value;
            Count++;
            evicted = 0;
            return false;
        }
        evicted = _items[_start];
        _items[_start] = value;
        _start = (_start + 1) % _items.Length;
        return true;
    }

    public void Add(double value) => Add(value, out _);

    /// <summary>Copies the contents oldest first into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<double> destination)
    {
        for (int i = 0; i < Count; i++)
        {
            destination[i] = this[i];
        }
    }

    public void Write(StateWriter w)
    {
        var tmp = new double[Count];
        CopyTo(tmp);
        w.Write(Capacity);
        w.Write(tmp);
    }

    public static RingBuffer Read(StateReader r)
    {
        int capacity = r.ReadInt();
        var values = r.ReadDoubles();
        if (capacity <= 0 || values.Length > capacity)
        {
            throw new FormatException($"detector state: ring of capacity {capacity} holds {values.Length} values.");
        }
        var ring = new RingBuffer(capacity);
        foreach (double v in values)
        {
            ring.Add(v);
        }
        return ring;
    }
}
