namespace Vigil.Analysis.Statistics;

/// <summary>
/// Two-sided tabular CUSUM change-point detection: after a warm-up that estimates the baseline mean and standard
/// deviation, it accumulates deviations beyond <c>k·σ</c> and signals when a sum passes <c>h·σ</c>; it then re-learns
/// the baseline from the points that follow.
/// </summary>
/// <remarks>Streaming and not thread-safe; constant memory.</remarks>
public sealed class Cusum
{
    private readonly double _k;
    private readonly double _h;
    private readonly int _warmup;
    private double _sum;
    private double _sumSquares;
    private int _learned;
    private double _mean;
    private double _sigma;
    private double _upper;
    private double _lower;
    private int _upperStart;
    private int _lowerStart;
    private int _index = -1;

    /// <summary>Creates a detector with slack <paramref name="k"/> and decision interval <paramref name="h"/>, both in standard deviations.</summary>
    public Cusum(double k = 0.5, double h = 5.0, int warmup = 30)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(h);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmup, 2);
        _k = k;
        _h = h;
        _warmup = warmup;
    }

    /// <summary>Adds the next value; returns the change point when this value completes a detection.</summary>
    public ChangePoint? Add(double value)
    {
        _index++;
        if (!double.IsFinite(value))
        {
            return null;
        }
        if (_learned < _warmup)
        {
            _sum += value;
            _sumSquares += value * value;
            if (++_learned == _warmup)
            {
                _mean = _sum / _warmup;
                double variance = Math.Max(0, (_sumSquares / _warmup) - (_mean * _mean)) * _warmup / (_warmup - 1);
                _sigma = Math.Max(Math.Sqrt(variance), 1e-9 * Math.Max(1, Math.Abs(_mean)));
                _upper = _lower = 0;
                _upperStart = _lowerStart = _index + 1;
            }
            return null;
        }
        double z = (value - _mean) / _sigma;
        if (_upper == 0)
        {
            _upperStart = _index;
        }
        if (_lower == 0)
        {
            _lowerStart = _index;
        }
        _upper = Math.Max(0, _upper + z - _k);
        _lower = Math.Max(0, _lower - z - _k);
        if (_upper > _h || _lower > _h)
        {
            var change = new ChangePoint(_index, _upper > _h ? _upperStart : _lowerStart, _upper > _h, _mean);
            _learned = 0;
            _sum = _sumSquares = 0;
            _upper = _lower = 0;
            return change;
        }
        return null;
    }

    /// <summary>Runs a fresh detector over <paramref name="values"/> and returns every change point in order.</summary>
    public static IReadOnlyList<ChangePoint> Detect(ReadOnlySpan<double> values, double k = 0.5, double h = 5.0, int warmup = 30)
    {
        var detector = new Cusum(k, h, warmup);
        var found = new List<ChangePoint>();
        foreach (double v in values)
        {
            if (detector.Add(v) is { } c)
            {
                found.Add(c);
            }
        }
        return found;
    }
}
