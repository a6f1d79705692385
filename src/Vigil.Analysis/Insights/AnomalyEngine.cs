using Vigil.Analysis.Statistics;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The anomaly engine: the series the scorer finds anomalous at the same time (within its hold time), grouped by
/// <c>instance</c>, the most anomalous first. A cluster of at least <c>anomaly.min_series</c> series (one series alone
/// only with a peak score of at least <c>anomaly.min_score_alone</c>) is an
/// <see cref="InsightType.AnomalyDetected"/>, updated while the cluster lasts; its severity grows with the number and
/// share of series involved.
/// </summary>
internal sealed class AnomalyEngine : IInsightEngine
{
    /// <summary>The most series listed in one insight.</summary>
    public const int MaxListed = 20;

    /// <inheritdoc />
    public string Name => "anomaly";

    /// <summary>How long after its anomaly a lone series is watched for a level that stays changed.</summary>
    private const long ConfirmWithinMs = 5 * 60_000;

    /// <summary>The stretch before the anomaly its values are compared with.</summary>
    private const long BeforeMs = 15 * 60_000;

    private const int MinBefore = 10;
    private const int MinAfter = 3;
    private const double PersistencePValue = 0.001;

    /// <summary>Lone series anomalous below <c>min_score_alone</c>, watched until their level is seen to stay changed.</summary>
    private readonly Dictionary<LabelSet, AnomalousSeries> _pending = [];

    /// <inheritdoc />
    public IReadOnlyList<Finding> Run(InsightContext context)
    {
        var findings = new List<Finding>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cluster in context.Anomalous.GroupBy(a => a.Labels.Get("instance")))
        {
            var members = cluster.OrderByDescending(a => a.PeakScore).ToList();
            if (members.Count < context.Config.AnomalyMinSeries)
            {
                continue;
            }
            // Note: one series alone needs a stronger score than the detector's threshold, or a level that stays changed.
            // Noise makes a new extreme now and then on every series, so across an instance's series an hour of healthy
            // data nearly always holds one point just past the threshold; several series anomalous together, one far past
            // it, or one whose values after the anomaly differ from those before (a step, not a blip) are news.
            if (members.Count == 1 && members[0].PeakScore < context.Config.AnomalyMinScoreAlone)
            {
                _pending[members[0].Labels] = members[0];
                continue;
            }
            findings.Add(Describe(context, cluster.Key, members));
            reported.Add(cluster.Key);
        }
        List<LabelSet>? done = null;
        foreach (var (labels, candidate) in _pending)
        {
            string instance = labels.Get("instance");
            if (reported.Contains(instance))
            {
                continue;
            }
            if (context.NowMs - candidate.SinceMs > ConfirmWithinMs)
            {
                (done ??= []).Add(labels);
                continue;
            }
            if (Persists(context, candidate))
            {
                findings.Add(Describe(context, instance, [candidate]));
                reported.Add(instance);
                (done ??= []).Add(labels);
            }
        }
        foreach (var labels in done ?? [])
        {
            _pending.Remove(labels);
        }
        return findings;
    }

    /// <summary>
    /// Whether a lone series' values after its anomaly (the anomalous point itself left out) differ from those of the
    /// quarter of an hour before it by a Mann–Whitney test at <see cref="PersistencePValue"/>.
    /// </summary>
    private static bool Persists(InsightContext context, AnomalousSeries candidate)
    {
        var (times, values) = context.Samples(candidate.Labels, candidate.SinceMs - BeforeMs);
        var before = new List<double>();
        var after = new List<double>();
        for (int i = 0; i < times.Count; i++)
        {
            if (times[i] < candidate.SinceMs)
            {
                before.Add(values[i]);
            }
            else if (times[i] > candidate.SinceMs)
            {
                after.Add(values[i]);
            }
        }
        if (before.Count < MinBefore || after.Count < MinAfter)
        {
            return false;
        }
        return MannWhitney.Test(before.ToArray(), after.ToArray()).PValue < PersistencePValue;
    }

    /// <summary>The insight of one instance's anomalous <paramref name="members"/>, the most anomalous first.</summary>
    private static Finding Describe(InsightContext context, string instance, List<AnomalousSeries> members)
    {
        int scored = context.Rates.TryGetValue(instance, out var r) ? r.Scored : members.Count;
        double share = (double)members.Count / Math.Max(1, scored);
        // Note: the share counts only for clusters of several series; one series out of one is not an outage.
        var severity = members.Count >= 10 || (share >= 0.2 && members.Count >= 5) ? InsightSeverity.Critical
            : members.Count >= 5 || (share >= 0.2 && members.Count >= 3) ? InsightSeverity.High
            : members.Count >= 2 ? InsightSeverity.Medium
            : InsightSeverity.Low;
        var top = members[0];
        long since = members.Min(m => m.SinceMs);
        string where = instance.Length == 0 ? string.Empty : $" on {instance}";
        string names = string.Join(", ", members.Take(3).Select(m => $"{m.Labels.Name} ({InsightContext.Format(m.PeakScore)})"));
        string description = members.Count == 1
            ? $"anomaly{where}: {names}"
            : $"{members.Count} series anomalous together{where} ({InsightContext.Format(share * 100)} % of {scored}), most anomalous: {names}";
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["series"] = top.Labels.Name };
        if (instance.Length > 0)
        {
            labels["instance"] = instance;
        }
        string job = top.Labels.Get("job");
        if (job.Length > 0)
        {
            labels["job"] = job;
        }
        string component = instance.Length > 0 ? instance : job.Length > 0 ? job : top.Labels.ToString();
        // Note: the complement of the product of (1 − score) is the chance that at least one detection is real, if independent.
        double confidence = 1 - members.Aggregate(1.0, (p, m) => p * (1 - Math.Clamp(m.PeakScore, 0, 1)));
        return new Finding(
            instance.Length == 0 ? "cluster" : $"cluster{{instance=\"{instance}\"}}",
            InsightType.AnomalyDetected,
            severity,
            description,
            labels,
            members.Take(MaxListed).Select(m => m.Labels).ToList(),
            confidence,
            new Dictionary<string, double>
            {
                ["series"] = members.Count,
                ["scored_series"] = scored,
                ["anomaly_rate"] = share,
                ["max_score"] = top.PeakScore,
                ["since_seconds"] = (context.NowMs - since) / 1000.0,
            },
            [
                new OptimizationRecommendation
                {
                    Type = OptimizationActionType.CodeOptimization,
                    Description = $"Investigate what changed{where} around {DateTimeOffset.FromUnixTimeMilliseconds(since):u}, starting with {top.Labels.Name}",
                    ExpectedImpact = 0.3,
                    ImplementationCost = ImplementationCost.High,
                    Priority = 50 + ((int)severity * 50),
                    AffectedComponents = [component],
                },
            ]);
    }
}
