namespace Vigil.Analysis.Anomaly;

/// <summary>
/// <c>vigil</c> and <c>cad-ose</c> run side by side on the same series; each score is normalised by the score at which
/// that detector's own NAB threshold lies (<c>vigil_scale</c>, <c>cad_scale</c>: a normalised 1 is "at its threshold"),
/// the two are combined by their maximum (<c>mode</c> 0: either detector) or mean (<c>mode</c> 1: both must lean the
/// same way), and the result n is mapped to n / (n + 1), so 0.5 means "at a member's threshold".
/// </summary>
/// <remarks>Memory and time: the two members' together (see <see cref="VigilDetector"/>, <see cref="CadOseDetector"/>).</remarks>
internal sealed class EnsembleDetector : IStreamingDetector
{
    public const string DetectorName = "ensemble";

    private readonly int _mode;
    private readonly double _vigilScale;
    private readonly double _cadScale;
    private readonly IStreamingDetector _vigil;
    private readonly IStreamingDetector _cad;

    public EnsembleDetector(IReadOnlyDictionary<string, double>? parameters = null)
        : this(parameters, null, null)
    {
    }

    private EnsembleDetector(IReadOnlyDictionary<string, double>? parameters, IStreamingDetector? vigil, IStreamingDetector? cad)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _mode = p.Int("mode", 0, 0, 1);
        _vigilScale = p.Double("vigil_scale", 0.0143, 1e-9, 1);
        _cadScale = p.Double("cad_scale", 0.7, 1e-9, 1);
        p.EnsureAllUsed();
        _vigil = vigil ?? new VigilDetector();
        _cad = cad ?? new CadOseDetector();
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        double v = _vigil.Score(timestampMs, value) / _vigilScale;
        double c = _cad.Score(timestampMs, value) / _cadScale;
        double n = _mode == 0 ? Math.Max(v, c) : (v + c) / 2;
        return Tail.Ratio(n, 1.0);
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_mode);
        w.Write(_vigilScale);
        w.Write(_cadScale);
        w.Write(_vigil.SaveState());
        w.Write(_cad.SaveState());
        return w.ToArray();
    }

    public static EnsembleDetector Load(StateReader r)
    {
        var parameters = new Dictionary<string, double> { ["mode"] = r.ReadInt(), ["vigil_scale"] = r.ReadDouble(), ["cad_scale"] = r.ReadDouble() };
        var vigil = DetectorFactory.Restore(r.ReadBytes());
        var cad = DetectorFactory.Restore(r.ReadBytes());
        if (vigil is not VigilDetector || cad is not CadOseDetector)
        {
            throw new FormatException($"detector state: ensemble members {vigil.Name} and {cad.Name}, expected vigil and cad-ose.");
        }
        try
        {
            return new EnsembleDetector(parameters, vigil, cad);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"detector state: {e.Message}", e);
        }
    }
}
