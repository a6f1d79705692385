using System.Globalization;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Engine;

namespace Vigil.Optimizer.Evaluator;

/// <summary>
/// Judges an applied action the way Kayenta judges a canary: every metric is queried over a baseline window (before the
/// change) and an observation window (after it and a settle time), the two samples are compared with a two-sample test,
/// and each metric is classified pass, high, low or no data. The action is kept only when the target improved
/// significantly by at least the impact threshold and no guardrail regressed or lacks data.
/// </summary>
/// <remarks>
/// A change is significant when p &lt; 1 − confidence and the effect size (rank-biserial) is at least the minimum; it
/// is then high or low by the effect's sign, unless the relative change of the median is within the metric's tolerance.
/// The impact is the target's relative change of the median, signed so that positive is better. Thread-safe.
/// </remarks>
internal sealed class ImpactEvaluator(ISampleQueryable storage, PromQLEngine engine, IStatisticalJudge judge)
{
    /// <summary>Queries and compares every metric of <paramref name="plan"/> and returns the verdict with its evidence.</summary>
    public EvaluationEvidence Evaluate(EvaluationPlan plan, CancellationToken ct = default)
    {
        var target = Compare(plan.Target, MetricRole.Target, plan, ct);
        var metrics = new List<MetricEvidence> { target };
        foreach (var g in plan.Guardrails)
        {
            metrics.Add(Compare(g, MetricRole.Guardrail, plan, ct));
        }
        foreach (var c in plan.Constraints)
        {
            metrics.Add(Compare(new OptimizationMetricConfig { Name = c.Name, Query = c.Query, Better = c.Better }, MetricRole.Constraint, plan, ct));
        }
        double? impact = target.RelativeChange is { } rc && double.IsFinite(rc)
            ? (plan.Target.Better == MetricDirection.Lower ? -rc : rc)
            : null;
        var (keep, reason) = Decide(plan, target, metrics, impact);
        return new EvaluationEvidence
        {
            BaselineStart = plan.BaselineStart,
            BaselineEnd = plan.BaselineEnd,
            ObservationStart = plan.ObservationStart,
            ObservationEnd = plan.ObservationEnd,
            StepSeconds = plan.Step.TotalSeconds,
            LookbackSeconds = Lookback(plan).TotalSeconds,
            Confidence = plan.Confidence,
            MinEffectSize = plan.MinEffectSize,
            ImpactThreshold = plan.ImpactThreshold,
            Impact = impact,
            Metrics = metrics,
            Keep = keep,
            Reason = reason,
        };
    }

    private static TimeSpan Lookback(EvaluationPlan plan) => plan.Lookback ?? (plan.Step * 2);

    private static (bool Keep, string Reason) Decide(EvaluationPlan plan, MetricEvidence target, List<MetricEvidence> metrics, double? impact)
    {
        foreach (var m in metrics)
        {
            if (m.Classification == MetricClassification.NoData)
            {
                return (false, $"missing data: {m.Role.ToString().ToLowerInvariant()} {m.Name}: {m.Reason}");
            }
        }
        foreach (var m in metrics)
        {
            if (m.Role == MetricRole.Guardrail && IsWorse(m))
            {
                return (false, $"guardrail {m.Name} regressed: {m.Reason}");
            }
        }
        foreach (var c in plan.Constraints)
        {
            var m = metrics.First(x => x.Role == MetricRole.Constraint && x.Name == c.Name);
            if (!Holds(c.Better, m.Observation.Median, c.Limit))
            {
                return (false, string.Create(CultureInfo.InvariantCulture,
                    $"constraint {c.Name} broken: median after the change {Num(m.Observation.Median)} {(c.Better == MetricDirection.Lower ? ">" : "<")} limit {Num(c.Limit)}"));
            }
        }
        if (plan.KeepWhileMeets is { } threshold)
        {
            return Holds(target.Better, target.Observation.Median, threshold)
                ? (true, string.Create(CultureInfo.InvariantCulture,
                    $"cheaper setting: {target.Name} median {Num(target.Observation.Median)} still meets {Num(threshold)}; no guardrail or constraint broke"))
                : (false, string.Create(CultureInfo.InvariantCulture,
                    $"cheaper setting: {target.Name} median {Num(target.Observation.Median)} no longer meets {Num(threshold)}"));
        }
        if (!IsBetter(target))
        {
            return (false, $"target {target.Name} did not improve significantly: {target.Reason}");
        }
        if (impact is not { } i || i < plan.ImpactThreshold)
        {
            return (false, string.Create(CultureInfo.InvariantCulture,
                $"impact {Percent(impact)} on {target.Name} is below the threshold {Percent(plan.ImpactThreshold)}"));
        }
        return (true, string.Create(CultureInfo.InvariantCulture,
            $"{target.Name} improved by {Percent(impact)} (threshold {Percent(plan.ImpactThreshold)}); no guardrail regressed"));
    }

    /// <summary>Whether <paramref name="value"/> is within <paramref name="limit"/> (at or below for lower-is-better).</summary>
    internal static bool Holds(MetricDirection better, double value, double limit)
        => better == MetricDirection.Lower ? value <= limit : value >= limit;

    private static bool IsWorse(MetricEvidence m)
        => m.Classification == (m.Better == MetricDirection.Lower ? MetricClassification.High : MetricClassification.Low);

    private static bool IsBetter(MetricEvidence m)
        => m.Classification == (m.Better == MetricDirection.Lower ? MetricClassification.Low : MetricClassification.High);

    private static string Percent(double? v) => v is { } x
        ? (x * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %"
        : "unknown";

    private MetricEvidence Compare(OptimizationMetricConfig metric, MetricRole role, EvaluationPlan plan, CancellationToken ct)
    {
        double[] baseline, observation;
        try
        {
            var options = new QueryOptions { LookbackDelta = Lookback(plan) };
            baseline = Values(metric.Query, plan.BaselineStart, plan.BaselineEnd, plan.Step, options, ct);
            observation = Values(metric.Query, plan.ObservationStart, plan.ObservationEnd, plan.Step, options, ct);
        }
        catch (PromQLException e)
        {
            return new MetricEvidence
            {
                Name = metric.Name,
                Role = role,
                Query = metric.Query,
                Better = metric.Better,
                Tolerance = metric.Tolerance,
                Baseline = new WindowStatistics(),
                Observation = new WindowStatistics(),
                Classification = MetricClassification.NoData,
                Reason = "the query failed: " + e.Message,
            };
        }
        var b = WindowStatistics.Of(baseline);
        var o = WindowStatistics.Of(observation);
        var evidence = new MetricEvidence
        {
            Name = metric.Name,
            Role = role,
            Query = metric.Query,
            Better = metric.Better,
            Tolerance = metric.Tolerance,
            Baseline = b,
            Observation = o,
            Classification = MetricClassification.NoData,
        };
        if (b.Count < plan.MinSamples || o.Count < plan.MinSamples)
        {
            return evidence with
            {
                Reason = string.Create(CultureInfo.InvariantCulture,
                    $"{b.Count} baseline and {o.Count} observation values; at least {plan.MinSamples} each are needed"),
            };
        }
        double relative = RelativeChange(b.Median, o.Median);
        evidence = evidence with { RelativeChange = relative };
        if (b.Min == b.Max && o.Min == o.Max && b.Min == o.Min)
        {
            return evidence with
            {
                Classification = MetricClassification.Pass,
                PValue = 1,
                EffectSize = 0,
                Reason = "identical constant values in both windows",
            };
        }
        var cmp = judge.Compare(baseline, observation);
        evidence = evidence with { U = cmp.U, PValue = cmp.PValue, EffectSize = cmp.EffectSize };
        double alpha = 1 - plan.Confidence;
        string stats = string.Create(CultureInfo.InvariantCulture,
            $"median {Num(b.Median)} -> {Num(o.Median)} ({Signed(relative)}), p = {cmp.PValue:G3}, effect size {cmp.EffectSize:0.00}");
        if (cmp.PValue >= alpha)
        {
            return evidence with
            {
                Classification = MetricClassification.Pass,
                Reason = stats + string.Create(CultureInfo.InvariantCulture, $"; not significant at {plan.Confidence * 100:0.#} %"),
            };
        }
        if (Math.Abs(cmp.EffectSize) < plan.MinEffectSize)
        {
            return evidence with
            {
                Classification = MetricClassification.Pass,
                Reason = stats + string.Create(CultureInfo.InvariantCulture, $"; effect size below {plan.MinEffectSize:0.00}"),
            };
        }
        if (Math.Abs(relative) <= metric.Tolerance)
        {
            return evidence with
            {
                Classification = MetricClassification.Pass,
                Reason = stats + string.Create(CultureInfo.InvariantCulture, $"; within the tolerance of {metric.Tolerance * 100:0.#} %"),
            };
        }
        var classification = cmp.EffectSize > 0 ? MetricClassification.High : MetricClassification.Low;
        return evidence with
        {
            Classification = classification,
            Reason = stats + "; significantly " + (classification == MetricClassification.High ? "higher" : "lower"),
        };
    }

    private static string Num(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Signed(double v) => double.IsInfinity(v)
        ? (v > 0 ? "+inf" : "-inf")
        : (v >= 0 ? "+" : string.Empty) + (v * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    /// <summary>(after − before) / |before|; 0 when both are 0, ±∞ when only the baseline is 0.</summary>
    internal static double RelativeChange(double before, double after)
    {
        if (before == 0)
        {
            return after == 0 ? 0 : after > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        }
        return (after - before) / Math.Abs(before);
    }

    /// <summary>The median of <paramref name="query"/>'s values from <paramref name="start"/> to <paramref name="end"/> (null without values) and how many there were.</summary>
    public (double? Median, int Count) Median(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, TimeSpan? lookback, CancellationToken ct)
    {
        var values = Values(query, start, end, step, new QueryOptions { LookbackDelta = lookback ?? (step * 2) }, ct);
        return (values.Length == 0 ? null : WindowStatistics.Of(values).Median, values.Length);
    }

    private double[] Values(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, QueryOptions options, CancellationToken ct)
    {
        var result = engine.RangeQuery(storage, query, Timestamp.FromDateTimeOffset(start), Timestamp.FromDateTimeOffset(end),
            Math.Max(1, (long)step.TotalMilliseconds), options, ct);
        var values = new List<double>();
        switch (result.Value)
        {
            case MatrixValue m:
                foreach (var s in m.Series)
                {
                    foreach (var p in s.Points)
                    {
                        if (double.IsFinite(p.F))
                        {
                            values.Add(p.F);
                        }
                    }
                }
                break;
            case ScalarValue sc when double.IsFinite(sc.V):
                values.Add(sc.V);
                break;
        }
        return [.. values];
    }
}
