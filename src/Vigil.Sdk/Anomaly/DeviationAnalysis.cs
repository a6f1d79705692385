using Vigil.Sdk.Profiling;
using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Anomaly;

/// <summary>Per-feature baselines (mean, σ, percentiles, nσ thresholds) and the z-score analysis of a run against them.</summary>
internal static class DeviationAnalysis
{
    /// <summary>The baseline of every feature over <paramref name="runs"/>, from the values that were measured.</summary>
    public static FeatureBaseline[] Compute(IReadOnlyList<ToolRun> runs, double warningSigma, double criticalSigma)
    {
        var columns = new double[FeatureVector.Width][];
        for (int f = 0; f < columns.Length; f++)
        {
            columns[f] = new double[runs.Count];
        }
        Span<double> row = stackalloc double[FeatureVector.Width];
        for (int r = 0; r < runs.Count; r++)
        {
            FeatureVector.Fill(runs[r], row);
            for (int f = 0; f < row.Length; f++)
            {
                columns[f][r] = row[f];
            }
        }
        var result = new FeatureBaseline[FeatureVector.Width];
        for (int f = 0; f < result.Length; f++)
        {
            var d = DistributionSummary.Of(columns[f]);
            result[f] = new FeatureBaseline((ToolFeature)f, (int)d.Count, d.Mean, d.StdDev, d.Median, d.P95, d.P99,
                d.Mean + (warningSigma * d.StdDev), d.Mean + (criticalSigma * d.StdDev));
        }
        return result;
    }

    /// <summary>
    /// The features of <paramref name="features"/> beyond <paramref name="warningSigma"/> standard deviations from
    /// their baseline mean, most severe first. Unmeasured features (NaN) and features without a baseline are skipped; a
    /// feature constant in the baseline (σ = 0) that now differs gets z = ±∞ and is critical.
    /// </summary>
    public static List<FeatureDeviation> Analyze(ReadOnlySpan<double> features, IReadOnlyList<FeatureBaseline> baselines, double warningSigma, double criticalSigma)
    {
        var deviations = new List<FeatureDeviation>();
        for (int f = 0; f < features.Length; f++)
        {
            double value = features[f];
            var b = baselines[f];
            if (double.IsNaN(value) || b.Samples == 0)
            {
                continue;
            }
            double diff = value - b.Mean;
            double z = b.StdDev > 0 ? diff / b.StdDev : diff == 0 ? 0 : diff > 0 ? double.PositiveInfinity : double.NegativeInfinity;
            double magnitude = Math.Abs(z);
            if (magnitude <= warningSigma)
            {
                continue;
            }
            var severity = magnitude > criticalSigma ? AnomalySeverity.Critical : AnomalySeverity.Warning;
            deviations.Add(new FeatureDeviation((ToolFeature)f, value, b.Mean, b.StdDev, z, z > 0 ? DeviationDirection.Increase : DeviationDirection.Decrease, severity));
        }
        deviations.Sort(static (a, b) => Math.Abs(b.ZScore).CompareTo(Math.Abs(a.ZScore)));
        return deviations;
    }

    /// <summary>The most severe of the deviations (normal when there are none).</summary>
    public static AnomalySeverity Severity(IReadOnlyList<FeatureDeviation> deviations)
    {
        var worst = AnomalySeverity.Normal;
        foreach (var d in deviations)
        {
            if (d.Severity > worst)
            {
                worst = d.Severity;
            }
        }
        return worst;
    }
}
