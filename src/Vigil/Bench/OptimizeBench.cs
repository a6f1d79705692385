using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Options;

namespace Vigil.Bench;

/// <summary>
/// <c>vigil bench optimize</c>: the lever decider (<see cref="LeverDecider"/>) against <see cref="DemoServiceModel"/> in
/// simulated time, with the evaluator's statistics (Mann–Whitney on per-second p99 windows), and each scenario's best
/// static setting from a sweep over the levers it may turn.
/// </summary>
/// <remarks>
/// One trial: a 20 s baseline window at the current setting, the change, 10 s settle, a 20 s observation window; every
/// value is the model's p99 with 10 % log-normal noise. An improving change is kept when p &lt; 0.05 and the median improved
/// by the impact threshold (10 %) with no constraint broken; a cheaper change is kept when the observation median still
/// meets the threshold and no constraint is broken. Between trials and after a verdict the bench keeps measuring 20 s
/// windows; a setting whose median moved by more than 40 % without a change starts a new epoch (conditions changed).
/// </remarks>
internal static class OptimizeBench
{
    private const int WindowSeconds = 20;
    private const int SettleSeconds = 10;
    private const double Noise = 0.10;
    private const double ImpactThreshold = 0.10;
    private const double ConditionsShift = 0.40;

    /// <summary>One scenario's result.</summary>
    public sealed record Outcome(OptimizeScenarios.Scenario Scenario, LeverDecision? Verdict, TimeSpan? TimeToVerdict, int Applied, int Kept,
        int RolledBack, int HarmfulKept, int Epochs, IReadOnlyDictionary<string, double> Final, double FinalValue,
        IReadOnlyDictionary<string, double> Best, double BestValue, bool Reachable, string Measure, IReadOnlyList<string> Log)
    {
        /// <summary>The objective at the end over the sweep's best (1 is as good as the best static setting; lower is better for both measures).</summary>
        public double Ratio => BestValue > 0 ? FinalValue / BestValue : double.NaN;

        /// <summary>The goal: a verdict; within 10 % of the best static setting where the levers can reach the objective, "out of reach" where they cannot; no harmful change kept.</summary>
        public bool Passed => Verdict is not null && HarmfulKept == 0
            && (Reachable ? Verdict.Verdict != LeverVerdict.OutOfReach && Ratio <= 1.10 : Verdict.Verdict == LeverVerdict.OutOfReach);
    }

    /// <summary>Runs every scenario with <paramref name="seed"/>.</summary>
    public static List<Outcome> Run(IEnumerable<OptimizeScenarios.Scenario> scenarios, int seed)
        => scenarios.Select((s, i) => RunOne(s, seed + (1000 * i))).ToList();

    /// <summary>Runs one scenario.</summary>
    public static Outcome RunOne(OptimizeScenarios.Scenario scenario, int seed)
    {
        var noise = new Random(seed);
        var explore = new Random(seed + 1);
        var judge = new MannWhitneyJudge();
        var objective = scenario.Objective;
        var knobs = new Dictionary<string, double>(scenario.Start.Knobs);
        var trials = new List<LeverTrial>();
        var log = new List<string>();
        int epoch = 0, applied = 0, kept = 0, rolledBack = 0, harmful = 0;
        double? reference = null;
        LeverDecision? verdict = null;
        TimeSpan? verdictAt = null;
        double t = 0;
        double duration = scenario.Duration.TotalSeconds;

        DemoServiceModel At(double time, IReadOnlyDictionary<string, double> k) => scenario.Start with
        {
            Cores = scenario.ChangeAt is { } c && time >= c.TotalSeconds ? scenario.CoresAfter ?? scenario.Start.Cores : scenario.Start.Cores,
            Knobs = new Dictionary<string, double>(k),
        };
        double[] Window(double from, IReadOnlyDictionary<string, double> k)
        {
            var values = new double[WindowSeconds];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = At(from + i, k).Sample(noise, Noise);
            }
            return values;
        }
        string Clock(double s) => TimeSpan.FromSeconds(s).ToString(@"mm\:ss", CultureInfo.InvariantCulture);

        while (t + WindowSeconds <= duration)
        {
            var baseline = Window(t, knobs);
            t += WindowSeconds;
            double baseMedian = Median(baseline);
            if (reference is { } r && Math.Abs((baseMedian / r) - 1) > ConditionsShift)
            {
                epoch++;
                log.Add($"{Clock(t)} conditions changed: p99 {Ms(r)} -> {Ms(baseMedian)} at the same setting; epoch {epoch}, the search starts again");
                verdict = null;
                verdictAt = null;
            }
            reference = baseMedian;
            if (verdict is not null)
            {
                continue;
            }
            var model = At(t, knobs);
            var d = LeverDecider.Decide(objective, knobs, trials, baseMedian, model.ErrorRatio <= Limit(objective), epoch, ImpactThreshold, explore);
            if (d.Verdict != LeverVerdict.None)
            {
                verdict = d;
                verdictAt = TimeSpan.FromSeconds(t);
                log.Add($"{Clock(t)} verdict {d.Verdict}: {d.Reason}");
                continue;
            }
            string lever = d.Lever!;
            double from = knobs[lever];
            double to = d.Value!.Value;
            var next = new Dictionary<string, double>(knobs) { [lever] = to };
            applied++;
            t += SettleSeconds;
            var observation = Window(t, next);
            t += WindowSeconds;
            double obsMedian = Median(observation);
            var cmp = judge.Compare(baseline, observation);
            double impact = (baseMedian - obsMedian) / baseMedian;
            var after = At(t, next);
            bool broken = after.ErrorRatio > Limit(objective);
            bool keep = d.SavesCost
                ? !broken && obsMedian <= objective.Threshold!.Value
                : !broken && cmp.PValue < 0.05 && impact >= ImpactThreshold;
            string why = broken ? "constraint error_ratio broken" : d.SavesCost ? (keep ? "still meets the threshold" : "threshold no longer met")
                : keep ? "improved" : cmp.PValue >= 0.05 ? "no significant change" : impact < 0 ? "worse" : "improvement below the impact threshold";
            trials.Add(new LeverTrial(lever, from, to, keep, impact, cmp.PValue, cmp.EffectSize, baseMedian, obsMedian, epoch, why));
            var before = At(t, knobs);
            if (keep)
            {
                kept++;
                bool harm = d.SavesCost ? after.P99 > objective.Threshold!.Value || broken : after.P99 > before.P99 * 1.02;
                if (harm)
                {
                    harmful++;
                }
                knobs = next;
                reference = obsMedian;
            }
            else
            {
                rolledBack++;
            }
            log.Add($"{Clock(t)} {lever} {Num(from)} -> {Num(to)}{(d.SavesCost ? " (cheaper)" : string.Empty)}: {(keep ? "kept" : "rolled back")} ({why}; p99 median {Ms(baseMedian)} -> {Ms(obsMedian)}, p = {cmp.PValue.ToString("G2", CultureInfo.InvariantCulture)})");
        }

        var end = At(duration, knobs);
        var (best, bestModel) = Sweep(scenario, objective, duration);
        bool costed = objective.Threshold is not null && objective.Levers.Any(l => l.CostPerUnit > 0);
        bool reachable = objective.Threshold is not { } th || bestModel.P99 <= th;
        double finalValue = costed ? Cost(objective, knobs) * (end.P99 <= objective.Threshold!.Value ? 1 : double.PositiveInfinity) : end.P99;
        double bestValue = costed ? Cost(objective, best) : bestModel.P99;
        return new Outcome(scenario, verdict, verdictAt, applied, kept, rolledBack, harmful, epoch + 1, knobs, finalValue, best, bestValue,
            reachable, costed ? "cost" : "p99", log);
    }

    /// <summary>The best static setting of the levers the decider may turn, under the conditions at the end of the run.</summary>
    private static (Dictionary<string, double> Best, DemoServiceModel Model) Sweep(OptimizeScenarios.Scenario scenario, OptimizationObjectiveConfig objective, double at)
    {
        var levers = objective.Levers.Where(l => l.Mode != Vigil.Optimizer.Model.OptimizationMode.Recommend).ToList();
        var grids = levers.Select(Grid).ToList();
        var cores = scenario.ChangeAt is { } c && at >= c.TotalSeconds ? scenario.CoresAfter ?? scenario.Start.Cores : scenario.Start.Cores;
        Dictionary<string, double>? best = null;
        DemoServiceModel? bestModel = null;
        double bestScore = double.PositiveInfinity;
        foreach (var combo in Combinations(grids))
        {
            var knobs = new Dictionary<string, double>(scenario.Start.Knobs);
            for (int i = 0; i < levers.Count; i++)
            {
                knobs[levers[i].Name] = combo[i];
            }
            var model = scenario.Start with { Cores = cores, Knobs = knobs };
            if (model.ErrorRatio > Limit(objective))
            {
                continue;
            }
            double score = objective.Threshold is { } th && levers.Any(l => l.CostPerUnit > 0)
                ? (model.P99 <= th ? Cost(objective, knobs) : 1e12 + model.P99)
                : model.P99;
            if (score < bestScore)
            {
                bestScore = score;
                best = knobs;
                bestModel = model;
            }
        }
        return best is null ? (new Dictionary<string, double>(scenario.Start.Knobs), scenario.Start with { Cores = cores }) : (best, bestModel!);
    }

    private static IEnumerable<double[]> Combinations(List<double[]> grids)
    {
        var index = new int[grids.Count];
        while (true)
        {
            yield return index.Select((i, g) => grids[g][i]).ToArray();
            int k = grids.Count - 1;
            while (k >= 0 && ++index[k] == grids[k].Length)
            {
                index[k--] = 0;
            }
            if (k < 0)
            {
                yield break;
            }
        }
    }

    /// <summary>Every value of a lever for a narrow range, else 60 log- or evenly-spaced values snapped to its step.</summary>
    private static double[] Grid(OptimizationLeverConfig lever)
    {
        int n = (int)Math.Round((lever.Max - lever.Min) / lever.Step) + 1;
        if (n <= 80)
        {
            return Enumerable.Range(0, n).Select(i => lever.Min + (i * lever.Step)).ToArray();
        }
        bool log = lever.Logarithmic ?? (lever.Min > 0 && lever.Max / lever.Min >= 10);
        return Enumerable.Range(0, 60).Select(i => i / 59.0)
            .Select(f => log ? lever.Min * Math.Pow(lever.Max / lever.Min, f) : lever.Min + (f * (lever.Max - lever.Min)))
            .Select(x => Math.Clamp(Math.Round(x / lever.Step) * lever.Step, lever.Min, lever.Max)).Distinct().ToArray();
    }

    private static double Cost(OptimizationObjectiveConfig objective, IReadOnlyDictionary<string, double> knobs)
        => objective.Levers.Where(l => l.CostPerUnit > 0).Sum(l => l.CostPerUnit * knobs[l.Name]);

    private static double Limit(OptimizationObjectiveConfig objective) => objective.Constraints.FirstOrDefault(c => c.Name == "error_ratio")?.Limit ?? 1;

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The report: one row per scenario, then each scenario's log.</summary>
    public static string Format(IReadOnlyList<Outcome> outcomes, bool withLog)
    {
        var sb = new StringBuilder();
        sb.AppendLine("scenario         verdict      expected     measure  end/best  applied kept rolled-back harmful-kept  verdict-at  end setting -> best static");
        foreach (var o in outcomes)
        {
            string expected = o.Reachable ? "reachable" : "out of reach";
            string verdict = o.Verdict?.Verdict.ToString() ?? "none";
            sb.Append(CultureInfo.InvariantCulture, $"{o.Scenario.Name,-16} {verdict,-12} {expected,-12} {o.Measure,-8} {o.Ratio,8:0.000}  {o.Applied,7} {o.Kept,4} {o.RolledBack,11} {o.HarmfulKept,12}  ");
            sb.Append(o.TimeToVerdict is { } at ? $"{at.TotalMinutes,6:0.0} min" : "    -     ");
            sb.AppendLine($"  {Setting(o.Final)} -> {Setting(o.Best)}{(o.Passed ? string.Empty : "   MISSED")}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"goal met on {outcomes.Count(o => o.Passed)}/{outcomes.Count} scenarios; harmful changes kept: {outcomes.Sum(o => o.HarmfulKept)}");
        if (withLog)
        {
            foreach (var o in outcomes)
            {
                sb.AppendLine().AppendLine(o.Scenario.Name + ": " + o.Scenario.Description);
                foreach (string line in o.Log)
                {
                    sb.AppendLine("  " + line);
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>The results as JSON.</summary>
    public static JsonObject ToJson(IReadOnlyList<Outcome> outcomes, int seed) => new()
    {
        ["seed"] = seed,
        ["time"] = "simulated",
        ["scenarios"] = new JsonArray([.. outcomes.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.Scenario.Name,
            ["verdict"] = o.Verdict?.Verdict.ToString(),
            ["reason"] = o.Verdict?.Reason,
            ["reachable"] = o.Reachable,
            ["measure"] = o.Measure,
            ["ratio"] = double.IsFinite(o.Ratio) ? o.Ratio : null,
            ["applied"] = o.Applied,
            ["kept"] = o.Kept,
            ["rolledBack"] = o.RolledBack,
            ["harmfulKept"] = o.HarmfulKept,
            ["secondsToVerdict"] = o.TimeToVerdict?.TotalSeconds,
            ["final"] = Setting(o.Final),
            ["best"] = Setting(o.Best),
            ["passed"] = o.Passed,
        })]),
    };

    private static string Setting(IReadOnlyDictionary<string, double> knobs) => string.Join(" ", knobs.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Key + "=" + Num(k.Value)));

    private static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
