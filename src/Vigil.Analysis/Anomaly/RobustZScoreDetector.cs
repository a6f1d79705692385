using Vigil.Analysis.Statistics;

namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Median/MAD z-score over a sliding window. When the recent history shows a season, the value is first compared with
/// the median of the same phase in the previous seasons and the z-score is taken on that seasonal residual.
/// </summary>
internal sealed class RobustZScoreDetector : IStreamingDetector
{
    public const string DetectorName = "mad";

    // Note: 1.4826·MAD estimates σ for normal data.
    private const double MadToSigma = 1.4826;

    private readonly int _window;
    private readonly int _minPoints;
    private readonly int _history;
    private readonly int _seasonCheckEvery;
    private readonly double _half;
    private RingBuffer _values;
    private SortedWindow _residuals;
    private int _period;
    private long _seen;

    public RobustZScoreDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 1000, 10, 100_000);
        _minPoints = p.Int("min_points", 30, 3, 100_000);
        _history = p.Int("history", 2016, 0, 1_000_000);
        _seasonCheckEvery = p.Int("season_check_every", 288, 1, 1_000_000);
        _half = p.Double("half_score_z", 6.0, 0.1, 1000);
        p.EnsureAllUsed();
        _values = new RingBuffer(Math.Max(_history, 1));
        _residuals = new SortedWindow(_window);
    }

    public string Name => DetectorName;

    /// <summary>The season in use (0 = none).</summary>
    public int Period => _period;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        _values.Add(value);
        _seen++;
        if (_history >= 6 && _seen % _seasonCheckEvery == 0 && _values.Count >= Math.Min(_history, 3 * 12))
        {
            UpdateSeason();
        }
        double residual = Residual(_values.Count - 1);
        double score = 0;
        if (_residuals.Count >= _minPoints)
        {
            double median = _residuals.Median();
            // Note: when more than half the window holds one value (idle counters, sparse events) the MAD is 0 and every
            // other value would look infinitely far; the 5–95 % range (3.29σ for normal data) keeps a finite scale.
            double spread = (_residuals.Quantile(0.95) - _residuals.Quantile(0.05)) / 3.29;
            double scale = Math.Max(MadToSigma * _residuals.Mad(median), spread);
            double z = Math.Abs(residual - median) / Math.Max(scale, 1e-9 * Math.Max(1.0, Math.Abs(median)));
            score = Tail.Ratio(z, _half);
        }
        _residuals.Add(residual);
        return score;
    }

    private void UpdateSeason()
    {
        var buffer = new double[_values.Count];
        _values.CopyTo(buffer);
        var found = Seasonality.Detect(buffer, minPeriod: 4, maxPeriod: buffer.Length / 3, minStrength: 0.5);
        if (found.Period == _period)
        {
            return;
        }
        _period = found.Period;
        // Note: rebuild the residual window under the new season so old and new residuals are comparable.
        var rebuilt = new SortedWindow(_window);
        int from = Math.Max(0, _values.Count - 1 - _window);
        for (int i = from; i < _values.Count - 1; i++)
        {
            rebuilt.Add(Residual(i));
        }
        _residuals = rebuilt;
    }

    private double Residual(int index)
    {
        double v = _values[index];
        if (_period == 0)
        {
            return v;
        }
        // Median of the same phase in up to three earlier seasons.
        Span<double> same = stackalloc double[3];
        int k = 0;
        for (int s = 1; s <= 3 && index - (s * _period) >= 0; s++)
        {
            same[k++] = _values[index - (s * _period)];
        }
        if (k == 0)
        {
            return 0;
        }
        same = same[..k];
        same.Sort();
        double baseline = k == 2 ? 0.5 * (same[0] + same[1]) : same[k / 2];
        return v - baseline;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        w.Write(_minPoints);
        w.Write(_history);
        w.Write(_seasonCheckEvery);
        w.Write(_half);
        _values.Write(w);
        _residuals.Write(w);
        w.Write(_period);
        w.Write(_seen);
        return w.ToArray();
    }

    public static RobustZScoreDetector Load(StateReader r)
    {
        var d = new RobustZScoreDetector(new Dictionary<string, double>
        {
            ["window"] = r.ReadInt(),
            ["min_points"] = r.ReadInt(),
            ["history"] = r.ReadInt(),
            ["season_check_every"] = r.ReadInt(),
            ["half_score_z"] = r.ReadDouble(),
        });
        d._values = RingBuffer.Read(r);
        d._residuals = SortedWindow.Read(r);
        d._period = r.ReadInt();
        d._seen = r.ReadLong();
        return d;
    }
}
