namespace Vigil.Analysis.Anomaly;

/// <summary>The range a feature has covered over a long sliding history, kept as per-block minima and maxima.</summary>
internal sealed class NoveltyTrack
{
    private readonly int _block;
    private RingBuffer _blockMin;
    private RingBuffer _blockMax;
    private double _curMin = double.PositiveInfinity;
    private double _curMax = double.NegativeInfinity;
    private int _curCount;
    private double _blocksLo = double.PositiveInfinity;
    private double _blocksHi = double.NegativeInfinity;

    public NoveltyTrack(int window, int block)
    {
        _block = block;
        int blocks = Math.Max(1, window / block);
        _blockMin = new RingBuffer(blocks);
        _blockMax = new RingBuffer(blocks);
    }

    public long Seen { get; private set; }

    /// <summary>How far <paramref name="value"/> lies above (<paramref name="up"/>) or below (<paramref name="down"/>) the range, in units of the range.</summary>
    public double Novelty(double value, bool up = true, bool down = true)
    {
        double lo = Math.Min(_curMin, _blocksLo), hi = Math.Max(_curMax, _blocksHi);
        if (!(hi >= lo))
        {
            return 0;
        }
        double span = Math.Max(hi - lo, 1e-9 * Math.Max(1, Math.Max(Math.Abs(hi), Math.Abs(lo))));
        double above = up ? value - hi : double.NegativeInfinity;
        double below = down ? lo - value : double.NegativeInfinity;
        return Math.Max(0, Math.Max(above, below)) / span;
    }

    /// <summary>The width of the covered range (0 before any value).</summary>
    public double Span()
    {
        double lo = Math.Min(_curMin, _blocksLo), hi = Math.Max(_curMax, _blocksHi);
        return hi >= lo ? hi - lo : 0;
    }

    public void Add(double value)
    {
        Seen++;
        _curMin = Math.Min(_curMin, value);
        _curMax = Math.Max(_curMax, value);
        if (++_curCount == _block)
        {
            _blockMin.Add(_curMin);
            _blockMax.Add(_curMax);
            _curMin = double.PositiveInfinity;
            _curMax = double.NegativeInfinity;
            _curCount = 0;
            CacheBlockExtremes();
        }
    }

    // Note: the completed blocks change once per block, so their extremes are recomputed then, not per point.
    private void CacheBlockExtremes()
    {
        _blocksLo = double.PositiveInfinity;
        _blocksHi = double.NegativeInfinity;
        for (int i = 0; i < _blockMin.Count; i++)
        {
            _blocksLo = Math.Min(_blocksLo, _blockMin[i]);
            _blocksHi = Math.Max(_blocksHi, _blockMax[i]);
        }
    }

    public void Write(StateWriter w)
    {
        _blockMin.Write(w);
        _blockMax.Write(w);
        w.Write(_curMin);
        w.Write(_curMax);
        w.Write(_curCount);
        w.Write(Seen);
    }

    public void Read(StateReader r)
    {
        var min = RingBuffer.Read(r);
        var max = RingBuffer.Read(r);
        if (min.Capacity != _blockMin.Capacity || max.Capacity != _blockMax.Capacity || min.Count != max.Count)
        {
            throw new FormatException($"detector state: novelty blocks ({min.Capacity}/{max.Capacity}) do not match the window ({_blockMin.Capacity}).");
        }
        _blockMin = min;
        _blockMax = max;
        _curMin = r.ReadDouble();
        _curMax = r.ReadDouble();
        _curCount = r.ReadInt();
        Seen = r.ReadLong();
        CacheBlockExtremes();
    }
}
