namespace Vigil.Analysis.Anomaly;

/// <summary>Mean and standard deviation over a sliding window; the score is the rarity of the point's two-sided normal tail probability.</summary>
internal sealed class WindowedGaussianDetector : IStreamingDetector
{
    public const string DetectorName = "gaussian";

    private readonly int _window;
    private readonly int _minPoints;
    private readonly double _decades;
    private RingBuffer _values;
    private double _sum;
    private double _sumSquares;
    private int _sinceRecompute;

    public WindowedGaussianDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 6400, 3, 1_000_000);
        _minPoints = p.Int("min_points", 30, 2, 1_000_000);
        _decades = p.Double("decades", 12, 1, 300);
        p.EnsureAllUsed();
        _values = new RingBuffer(_window);
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        double score = 0;
        int n = _values.Count;
        if (n >= _minPoints)
        {
            double mean = _sum / n;
            double variance = Math.Max(0, (_sumSquares / n) - (mean * mean));
            double sd = Math.Sqrt(variance);
            double z = sd > 1e-12 * Math.Max(1, Math.Abs(mean)) ? (value - mean) / sd : (value == mean ? 0 : 1e3);
            score = Tail.FromProbability(Tail.TwoSided(z), _decades);
        }
        if (_values.Add(value, out double evicted))
        {
            _sum -= evicted;
            _sumSquares -= evicted * evicted;
        }
        _sum += value;
        _sumSquares += value * value;
        // Note: running sums drift under many add/subtract pairs; recompute them exactly once per window.
        if (++_sinceRecompute >= _window)
        {
            _sinceRecompute = 0;
            _sum = 0;
            _sumSquares = 0;
            for (int i = 0; i < _values.Count; i++)
            {
                _sum += _values[i];
                _sumSquares += _values[i] * _values[i];
            }
        }
        return score;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        w.Write(_minPoints);
        w.Write(_decades);
        _values.Write(w);
        return w.ToArray();
    }

    public static WindowedGaussianDetector Load(StateReader r)
    {
        var d = new WindowedGaussianDetector(new Dictionary<string, double>
        {
            ["window"] = r.ReadInt(),
            ["min_points"] = r.ReadInt(),
            ["decades"] = r.ReadDouble(),
        });
        d._values = RingBuffer.Read(r);
        for (int i = 0; i < d._values.Count; i++)
        {
            d._sum += d._values[i];
            d._sumSquares += d._values[i] * d._values[i];
        }
        return d;
    }
}
