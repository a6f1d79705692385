using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Spectral residual saliency (Ren et al., 2019): the log-amplitude spectrum of the recent window minus its local
/// average, transformed back, highlights points that the window's regular structure does not explain. The newest point's
/// saliency is compared with the mean saliency of the preceding points.
/// </summary>
internal sealed class SpectralResidualDetector : IStreamingDetector
{
    public const string DetectorName = "spectral";

    private readonly int _window;
    private readonly int _extend;
    private readonly int _filter;
    private readonly int _history;
    private readonly double _half;
    private readonly int _estimateFrom;
    private readonly Complex[] _spectrum;
    private readonly double[] _amplitude;
    private RingBuffer _values;

    public SpectralResidualDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 61, 8, 4096);
        _extend = p.Int("extend", 3, 0, 64);
        _filter = p.Int("filter", 3, 1, 64);
        _history = p.Int("history", 21, 2, 4096);
        _half = p.Double("half_score_ratio", 3.0, 0.01, 1000);
        _estimateFrom = p.Int("estimate_from", 5, 1, 64);
        p.EnsureAllUsed();
        _spectrum = new Complex[_window + _extend];
        _amplitude = new double[_window + _extend];
        _values = new RingBuffer(_window);
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        _values.Add(value);
        if (!_values.IsFull)
        {
            return 0;
        }
        double s = Saliency();
        // Note: the newest point is compared with the saliency of the points just before it in the same map.
        int from = Math.Max(0, _window - 1 - _history);
        double mean = 0;
        for (int i = from; i < _window - 1; i++)
        {
            mean += _spectrum[i].Magnitude;
        }
        mean /= Math.Max(1, _window - 1 - from);
        double ratio = mean > 1e-12 ? (s - mean) / mean : (s > 1e-9 ? 100 : 0);
        double score = Tail.Ratio(ratio, _half);
        return score;
    }

    private double Saliency()
    {
        int w = _window, n = _window + _extend;
        // Note: extend the window with estimated points so the newest real point is not at the FFT's edge. The paper
        // extrapolates the recent gradient, which carries a spike at the newest point into the extension and hides it;
        // the median of the points before the newest one estimates where the series "should" continue instead.
        Span<double> recent = stackalloc double[Math.Max(1, _estimateFrom)];
        int k = Math.Min(_estimateFrom, w - 1);
        for (int i = 1; i <= k; i++)
        {
            recent[i - 1] = _values.FromEnd(i);
        }
        var used = recent[..k];
        used.Sort();
        double estimate = (k % 2 == 1) ? used[k / 2] : 0.5 * (used[(k / 2) - 1] + used[k / 2]);
        // Note: centre the window; otherwise the DC term's residual dominates the saliency map and hides every point.
        double mean = 0;
        for (int i = 0; i < w; i++)
        {
            mean += _values[i];
        }
        mean /= w;
        for (int i = 0; i < w; i++)
        {
            _spectrum[i] = new Complex(_values[i] - mean, 0);
        }
        for (int i = w; i < n; i++)
        {
            _spectrum[i] = new Complex(estimate - mean, 0);
        }
        Fourier.Forward(_spectrum, FourierOptions.Default);
        for (int i = 0; i < n; i++)
        {
            _amplitude[i] = Math.Log(_spectrum[i].Magnitude + 1e-8);
        }
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            int count = 0;
            for (int j = i - (_filter / 2); j <= i + ((_filter - 1) / 2); j++)
            {
                if (j >= 0 && j < n)
                {
                    sum += _amplitude[j];
                    count++;
                }
            }
            double residual = _amplitude[i] - (sum / count);
            double magnitude = _spectrum[i].Magnitude;
            // Keep the phase, replace the amplitude by exp(residual).
            _spectrum[i] = magnitude > 0 ? _spectrum[i] * (Math.Exp(residual) / magnitude) : Complex.Zero;
        }
        Fourier.Inverse(_spectrum, FourierOptions.Default);
        return _spectrum[w - 1].Magnitude;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        w.Write(_extend);
        w.Write(_filter);
        w.Write(_history);
        w.Write(_half);
        w.Write(_estimateFrom);
        _values.Write(w);
        return w.ToArray();
    }

    public static SpectralResidualDetector Load(StateReader r)
    {
        var d = new SpectralResidualDetector(new Dictionary<string, double>
        {
            ["window"] = r.ReadInt(),
            ["extend"] = r.ReadInt(),
            ["filter"] = r.ReadInt(),
            ["history"] = r.ReadInt(),
            ["half_score_ratio"] = r.ReadDouble(),
            ["estimate_from"] = r.ReadInt(),
        });
        d._values = RingBuffer.Read(r);
        return d;
    }
}
