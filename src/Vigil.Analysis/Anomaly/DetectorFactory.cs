namespace Vigil.Analysis.Anomaly;

/// <summary>Creates streaming detectors by name with optional numeric parameters, and restores them from saved state.</summary>
public static class DetectorFactory
{
    /// <summary>The detector chosen by the NAB benchmark, used when none is named.</summary>
    public const string DefaultName = VigilDetector.DetectorName;

    /// <summary>The registered detector names, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        VigilDetector.DetectorName,
        RobustZScoreDetector.DetectorName,
        WindowedGaussianDetector.DetectorName,
        KMeansEnsembleDetector.DetectorName,
        SpectralResidualDetector.DetectorName,
    ];

    /// <summary>Creates a fresh detector; unknown names and parameters throw <see cref="ArgumentException"/> naming them.</summary>
    public static IStreamingDetector Create(string name, IReadOnlyDictionary<string, double>? parameters = null) => name switch
    {
        VigilDetector.DetectorName => new VigilDetector(parameters),
        RobustZScoreDetector.DetectorName => new RobustZScoreDetector(parameters),
        WindowedGaussianDetector.DetectorName => new WindowedGaussianDetector(parameters),
        KMeansEnsembleDetector.DetectorName => new KMeansEnsembleDetector(parameters),
        SpectralResidualDetector.DetectorName => new SpectralResidualDetector(parameters),
        _ => throw new ArgumentException($"unknown detector \"{name}\" (known: {string.Join(", ", Names)}).", nameof(name)),
    };

    /// <summary>Rebuilds a detector, parameters and learned state, from <see cref="IStreamingDetector.SaveState"/> bytes.</summary>
    public static IStreamingDetector Restore(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var r = new StateReader(state);
        IStreamingDetector d = r.DetectorName switch
        {
            VigilDetector.DetectorName => VigilDetector.Load(r),
            RobustZScoreDetector.DetectorName => RobustZScoreDetector.Load(r),
            WindowedGaussianDetector.DetectorName => WindowedGaussianDetector.Load(r),
            KMeansEnsembleDetector.DetectorName => KMeansEnsembleDetector.Load(r),
            SpectralResidualDetector.DetectorName => SpectralResidualDetector.Load(r),
            _ => throw new FormatException($"detector state: unknown detector \"{r.DetectorName}\"."),
        };
        r.EnsureEnd();
        return d;
    }
}
