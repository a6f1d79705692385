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
        ArtimeDetector.DetectorName,
        CadOseDetector.DetectorName,
        VigilDetector.DetectorName + LikelihoodDetector.Suffix,
        ArtimeDetector.DetectorName + LikelihoodDetector.Suffix,
        CadOseDetector.DetectorName + LikelihoodDetector.Suffix,
        EnsembleDetector.DetectorName,
    ];

    /// <summary>The detectors that accept NAB's per-file inputs (<c>input_min</c>, <c>input_max</c>, <c>probation</c>).</summary>
    public static IReadOnlyList<string> NabInputDetectors { get; } =
    [
        ArtimeDetector.DetectorName,
        CadOseDetector.DetectorName,
        ArtimeDetector.DetectorName + LikelihoodDetector.Suffix,
        CadOseDetector.DetectorName + LikelihoodDetector.Suffix,
    ];

    /// <summary>Creates a fresh detector; unknown names and parameters throw <see cref="ArgumentException"/> naming them.</summary>
    public static IStreamingDetector Create(string name, IReadOnlyDictionary<string, double>? parameters = null) => name switch
    {
        VigilDetector.DetectorName => new VigilDetector(parameters),
        RobustZScoreDetector.DetectorName => new RobustZScoreDetector(parameters),
        WindowedGaussianDetector.DetectorName => new WindowedGaussianDetector(parameters),
        KMeansEnsembleDetector.DetectorName => new KMeansEnsembleDetector(parameters),
        SpectralResidualDetector.DetectorName => new SpectralResidualDetector(parameters),
        ArtimeDetector.DetectorName => new ArtimeDetector(parameters),
        CadOseDetector.DetectorName => new CadOseDetector(parameters),
        EnsembleDetector.DetectorName => new EnsembleDetector(parameters),
        _ when name.EndsWith(LikelihoodDetector.Suffix, StringComparison.Ordinal) && Names.Contains(name) => new LikelihoodDetector(name[..^LikelihoodDetector.Suffix.Length], parameters),
        _ => throw new ArgumentException($"unknown detector \"{name}\" (known: {string.Join(", ", Names)}).", nameof(name)),
    };

    /// <summary>
    /// The threshold a detector ships with: what <c>vigil serve</c> compares scores with for <c>anomalous</c> when the
    /// configuration names no threshold. Chosen on the NAB files in the repository's test data (see docs/BENCHMARKS.md).
    /// </summary>
    public static double ShippedThreshold(string name) => name switch
    {
        ArtimeDetector.DetectorName => ArtimeDetector.ShippedThreshold,
        _ when Names.Contains(name) => 0.5,
        _ => throw new ArgumentException($"unknown detector \"{name}\" (known: {string.Join(", ", Names)}).", nameof(name)),
    };

    /// <summary>
    /// The small parameter grid <c>vigil bench nab --cv</c> chooses from on the training folds, the defaults first
    /// (an empty set means the detector's defaults).
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> Grid(string name) => name switch
    {
        VigilDetector.DetectorName => [Set(), Set(("window", 5000)), Set(("suppress", 60)), Set(("window", 5000), ("suppress", 60))],
        WindowedGaussianDetector.DetectorName => [Set(), Set(("window", 1000))],
        ArtimeDetector.DetectorName => ArtimeDetector.Grid,
        CadOseDetector.DetectorName => [Set(), Set(("probation", 300)), Set(("range_margin", 1)), Set(("probation", 300), ("range_margin", 1))],
        "vigil+likelihood" => [Set(), Set(("window", 5000)), Set(("suppress", 0)), Set(("window", 5000), ("suppress", 0))],
        "artime+likelihood" => [Set(), Set(("range_margin", 1)), Set(("probation", 500))],
        "cad-ose+likelihood" => [Set(), Set(("range_margin", 1))],
        EnsembleDetector.DetectorName => [Set(), Set(("cad_scale", 0.85)), Set(("mode", 1)), Set(("mode", 1), ("cad_scale", 0.85))],
        _ when Names.Contains(name) => [Set()],
        _ => throw new ArgumentException($"unknown detector \"{name}\" (known: {string.Join(", ", Names)}).", nameof(name)),
    };

    internal static IReadOnlyDictionary<string, double> Set(params (string Name, double Value)[] values)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (n, v) in values)
        {
            d[n] = v;
        }
        return d;
    }

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
            ArtimeDetector.DetectorName => ArtimeDetector.Load(r),
            CadOseDetector.DetectorName => CadOseDetector.Load(r),
            EnsembleDetector.DetectorName => EnsembleDetector.Load(r),
            _ when r.DetectorName.EndsWith(LikelihoodDetector.Suffix, StringComparison.Ordinal) && Names.Contains(r.DetectorName) => LikelihoodDetector.Load(r),
            _ => throw new FormatException($"detector state: unknown detector \"{r.DetectorName}\"."),
        };
        r.EnsureEnd();
        return d;
    }
}
