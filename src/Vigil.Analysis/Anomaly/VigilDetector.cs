namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Vigil's default detector, chosen on NAB: range novelty. A point scores by how far it falls outside the range the series
/// has covered over a long history (in units of that range), and a score is emitted only when it exceeds every score
/// emitted in the last few points, so one incident yields one detection rather than a plateau.
/// </summary>
/// <remarks>
/// The history is kept as per-block minima and maxima (a few KB per series), so the window slides by whole blocks.
/// </remarks>
internal sealed class VigilDetector : IStreamingDetector
{
    public const string DetectorName = "vigil";

    private readonly int _window;
    private readonly int _block;
    private readonly int _suppress;
    private readonly int _minPoints;
    private readonly double _half;
    private RingBuffer _blockMin;
    private RingBuffer _blockMax;
    private double _curMin = double.PositiveInfinity;
    private double _curMax = double.NegativeInfinity;
    private int _curCount;
    private long _seen;
    private double _lastOutput;
    private long _sinceOutput = long.MaxValue / 2;

    public VigilDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 8000, 10, 10_000_000);
        _block = p.Int("block", 100, 1, 100_000);
        _suppress = p.Int("suppress", 60, 0, 1_000_000);
        _minPoints = p.Int("min_points", 300, 2, 10_000_000);
        _half = p.Double("half_score_novelty", 0.1, 1e-6, 1000);
        p.EnsureAllUsed();
        int blocks = Math.Max(1, _window / _block);
        _blockMin = new RingBuffer(blocks);
        _blockMax = new RingBuffer(blocks);
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        double score = 0;
        if (_seen >= _minPoints)
        {
            double lo = _curMin, hi = _curMax;
            for (int i = 0; i < _blockMin.Count; i++)
            {
                lo = Math.Min(lo, _blockMin[i]);
                hi = Math.Max(hi, _blockMax[i]);
            }
            double span = Math.Max(hi - lo, 1e-9 * Math.Max(1, Math.Max(Math.Abs(hi), Math.Abs(lo))));
            score = Tail.Ratio(Math.Max(value - hi, lo - value) / span, _half);
        }
        _seen++;
        _curMin = Math.Min(_curMin, value);
        _curMax = Math.Max(_curMax, value);
        if (++_curCount == _block)
        {
            _blockMin.Add(_curMin);
            _blockMax.Add(_curMax);
            _curMin = double.PositiveInfinity;
            _curMax = double.NegativeInfinity;
            _curCount = 0;
        }
        // Note: emitted scores only ever rise within the suppression span, so the largest recent one is the last one.
        double recent = _sinceOutput < _suppress ? _lastOutput : 0;
        _sinceOutput++;
        if (score > recent)
        {
            _lastOutput = score;
            _sinceOutput = 0;
            return score;
        }
        return 0;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        w.Write(_block);
        w.Write(_suppress);
        w.Write(_minPoints);
        w.Write(_half);
        _blockMin.Write(w);
        _blockMax.Write(w);
        w.Write(_curMin);
        w.Write(_curMax);
        w.Write(_curCount);
        w.Write(_seen);
        w.Write(_lastOutput);
        w.Write(_sinceOutput);
        return w.ToArray();
    }

    public static VigilDetector Load(StateReader r)
    {
        var d = new VigilDetector(new Dictionary<string, double>
        {
            ["window"] = r.ReadInt(),
            ["block"] = r.ReadInt(),
            ["suppress"] = r.ReadInt(),
            ["min_points"] = r.ReadInt(),
            ["half_score_novelty"] = r.ReadDouble(),
        });
        d._blockMin = RingBuffer.Read(r);
        d._blockMax = RingBuffer.Read(r);
        d._curMin = r.ReadDouble();
        d._curMax = r.ReadDouble();
        d._curCount = r.ReadInt();
        d._seen = r.ReadLong();
        d._lastOutput = r.ReadDouble();
        d._sinceOutput = r.ReadLong();
        return d;
    }
}
