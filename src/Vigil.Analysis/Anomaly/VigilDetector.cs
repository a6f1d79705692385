namespace Vigil.Analysis.Anomaly;

/// <summary>Vigil's default detector (placeholder first version: robust z-scores of the value and its difference).</summary>
internal sealed class VigilDetector : IStreamingDetector
{
    public const string DetectorName = "vigil";

    private readonly int _window;
    private SortedWindow _values;
    private SortedWindow _diffs;
    private double _last = double.NaN;

    public VigilDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 400, 10, 100_000);
        p.EnsureAllUsed();
        _values = new SortedWindow(_window);
        _diffs = new SortedWindow(_window);
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        double diff = double.IsNaN(_last) ? 0 : value - _last;
        _last = value;
        double z = 0;
        if (_values.Count >= 30)
        {
            z = Math.Max(Z(_values, value), Z(_diffs, diff));
        }
        _values.Add(value);
        _diffs.Add(diff);
        return Tail.Ratio(z, 6);
    }

    private static double Z(SortedWindow w, double x)
    {
        double m = w.Median();
        double s = 1.4826 * w.Mad(m);
        return Math.Abs(x - m) / Math.Max(s, 1e-9 * Math.Max(1, Math.Abs(m)));
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        _values.Write(w);
        _diffs.Write(w);
        w.Write(_last);
        return w.ToArray();
    }

    public static VigilDetector Load(StateReader r)
    {
        var d = new VigilDetector(new Dictionary<string, double> { ["window"] = r.ReadInt() });
        d._values = SortedWindow.Read(r);
        d._diffs = SortedWindow.Read(r);
        d._last = r.ReadDouble();
        return d;
    }
}
