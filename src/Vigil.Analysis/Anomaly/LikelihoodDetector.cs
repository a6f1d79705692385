namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Any streaming detector's raw scores post-processed by Numenta's anomaly likelihood (<see cref="AnomalyLikelihood"/>)
/// and NAB's log transform, as NAB's numenta detector does with HTM's raw scores. Registered as
/// <c>INNER+likelihood</c> (e.g. <c>vigil+likelihood</c>).
/// </summary>
/// <remarks>
/// Parameters: <c>likelihood_learning</c> (points skipped in the fit), <c>likelihood_estimation</c> (more points before
/// the first fit), <c>likelihood_window</c> (historic window), <c>likelihood_reestimation</c>,
/// <c>likelihood_averaging</c>; every other parameter goes to the inner detector. <c>probation</c> sets the learning
/// period to half of it and the estimation samples to the rest, as NAB's numenta detector does, and is passed on to
/// inner detectors that read it. Defaults: NAB's cap on the probation (750 points: 375 + 375), an 8640-point window,
/// re-estimation every 100 points, an average over 10.
/// </remarks>
internal sealed class LikelihoodDetector : IStreamingDetector
{
    public const string Suffix = "+likelihood";

    private const int DefaultProbation = 750;

    private readonly IStreamingDetector _inner;
    private readonly AnomalyLikelihood _likelihood;
    private readonly Dictionary<string, double> _parameters;

    public LikelihoodDetector(string innerName, IReadOnlyDictionary<string, double>? parameters = null)
    {
        var own = new Dictionary<string, double>(StringComparer.Ordinal);
        var inner = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in parameters ?? new Dictionary<string, double>())
        {
            (k.StartsWith("likelihood_", StringComparison.Ordinal) || k == "probation" ? own : inner)[k] = v;
        }
        _parameters = new Dictionary<string, double>(parameters ?? new Dictionary<string, double>(), StringComparer.Ordinal);
        Name = innerName + Suffix;
        var p = new DetectorParameters(Name, own);
        int probation = p.Int("probation", DefaultProbation, 2, 10_000_000);
        int learning = p.Int("likelihood_learning", probation / 2, 0, 10_000_000);
        int estimation = p.Int("likelihood_estimation", probation - (probation / 2), 0, 10_000_000);
        int window = p.Int("likelihood_window", 8640, 1, 1_000_000);
        int reestimation = p.Int("likelihood_reestimation", 100, 1, 1_000_000);
        int averaging = p.Int("likelihood_averaging", 10, 1, 10_000);
        p.EnsureAllUsed();
        if (window < estimation)
        {
            throw new ArgumentException($"detector {Name}: parameter likelihood_window ({window}) must be at least likelihood_estimation ({estimation}).");
        }
        if (own.ContainsKey("probation") && DetectorFactory.NabInputDetectors.Contains(innerName))
        {
            inner["probation"] = own["probation"];
        }
        _inner = DetectorFactory.Create(innerName, inner);
        _likelihood = new AnomalyLikelihood(learning, estimation, window, reestimation, averaging);
    }

    public string Name { get; }

    /// <summary>The inner detector (for tests and memory accounting).</summary>
    internal IStreamingDetector Inner => _inner;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        double raw = _inner.Score(timestampMs, value);
        double probability = _likelihood.Probability(value, raw);
        // Note: log(1.0000000001 − 0) is a hair above 0, so a certain-normal point would score −4e-12; scores stay in [0, 1].
        return Math.Clamp(AnomalyLikelihood.LogLikelihood(probability), 0.0, 1.0);
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(Name);
        w.Write(_parameters.Count);
        foreach (var (k, v) in _parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Write(k);
            w.Write(v);
        }
        w.Write(_inner.SaveState());
        _likelihood.Write(w);
        return w.ToArray();
    }

    public static LikelihoodDetector Load(StateReader r)
    {
        string name = r.DetectorName;
        int count = r.ReadInt();
        if (count is < 0 or > 64)
        {
            throw new FormatException($"detector state: {count} parameters, at most 64 expected.");
        }
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            parameters[r.ReadString()] = r.ReadDouble();
        }
        LikelihoodDetector d;
        try
        {
            d = new LikelihoodDetector(name[..^Suffix.Length], parameters);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"detector state: {e.Message}", e);
        }
        var inner = DetectorFactory.Restore(r.ReadBytes());
        if (inner.Name != d._inner.Name)
        {
            throw new FormatException($"detector state: inner detector {inner.Name}, expected {d._inner.Name}.");
        }
        var restored = new LikelihoodDetector(d, inner);
        restored._likelihood.Read(r);
        return restored;
    }

    private LikelihoodDetector(LikelihoodDetector template, IStreamingDetector inner)
    {
        Name = template.Name;
        _parameters = template._parameters;
        _inner = inner;
        var l = template._likelihood;
        _likelihood = new AnomalyLikelihood(l.LearningPeriod, l.EstimationSamples, l.HistoricWindow, l.ReestimationPeriod, l.AveragingWindow);
    }
}
