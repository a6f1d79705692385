using System.Globalization;
using MathNet.Numerics.Distributions;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Decider.Levers;

/// <summary>
/// Finds the lever: for an objective, chooses which lever to turn and to what value, from the measured outcomes of earlier
/// trials, or stops with a verdict (met, converged, out of reach).
/// </summary>
/// <remarks>
/// <para>Per lever, a bounded search: the incumbent (the value in force, the best kept so far) sits in a bracket whose ends
/// are the nearest values already tried on either side in this epoch (or the lever's bounds); the next value is the
/// golden-section point (0.382 of the way) into the larger side, on a log scale for wide ranges, snapped to the step.
/// A value tried and rolled back is an end of the bracket, so it is never proposed again in the same epoch.</para>
/// <para>Across levers, Thompson sampling: each lever's chance that a change is kept has a Beta(1 + kept, 1 + rolled back)
/// posterior; a draw times the lever's mean measured impact (2 × the impact threshold before any kept change) is its score,
/// and the highest score is tried. A lever is done when its bracket has no untried value left or after
/// <c>patience_trials</c> rolled-back trials in a row.</para>
/// <para>Once a threshold is met, costed levers are walked down by bisection toward their minimum (a cheaper setting is
/// kept while the threshold and constraints still hold). Stateless and deterministic for a given <see cref="Random"/>.</para>
/// </remarks>
public static class LeverDecider
{
    /// <summary>The golden-section fraction, (3 − √5) / 2.</summary>
    public const double GoldenFraction = 0.3819660112501051;

    private const int MaxScan = 10_000;

    /// <summary>Chooses the next trial or the verdict.</summary>
    /// <param name="objective">The objective with its levers.</param>
    /// <param name="current">Each lever's value now.</param>
    /// <param name="trials">Every trial so far (any epoch), oldest first.</param>
    /// <param name="target">The target's value now (null when not measured).</param>
    /// <param name="constraintsHold">Whether every constraint holds now.</param>
    /// <param name="epoch">The current conditions; trials of other epochs do not count.</param>
    /// <param name="impactThreshold">The relative improvement a change must bring.</param>
    /// <param name="random">The source of the exploration's randomness.</param>
    public static LeverDecision Decide(OptimizationObjectiveConfig objective, IReadOnlyDictionary<string, double> current,
        IReadOnlyList<LeverTrial> trials, double? target, bool constraintsHold, int epoch, double impactThreshold, Random random)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var tried = trials.Where(t => t.Epoch == epoch).ToList();
        bool lower = objective.Target.Better == MetricDirection.Lower;
        bool met = objective.Threshold is { } th && target is { } v && (lower ? v <= th : v >= th) && constraintsHold;
        var scores = new List<LeverScore>();
        var escalate = new List<string>();

        if (met)
        {
            foreach (var lever in objective.Levers.Where(l => l.CostPerUnit > 0 && l.Mode != OptimizationMode.Recommend))
            {
                double cur = Current(current, lever);
                var mine = tried.Where(t => t.Lever == lever.Name).ToList();
                double? cheaper = Cheaper(lever, cur, mine);
                scores.Add(new LeverScore(lever.Name, cur, cheaper, mine.Count(t => t.Kept), mine.Count(t => !t.Kept), 0, 0,
                    cheaper is null ? "cheapest setting that meets the objective" : "cheaper candidate"));
                if (cheaper is { } c)
                {
                    return new LeverDecision
                    {
                        Lever = lever.Name,
                        Value = c,
                        SavesCost = true,
                        Reason = $"{objective.Name} is met; trying the cheaper {lever.Name} {Num(c)} (bisection between the last value that failed and {Num(cur)})",
                        Scores = scores,
                        Tried = tried,
                    };
                }
            }
            return new LeverDecision
            {
                Verdict = LeverVerdict.Met,
                Reason = $"{objective.Name} is met ({Num(target!.Value)} {(lower ? "≤" : "≥")} {Num(objective.Threshold!.Value)}) and the constraints hold",
                Scores = scores,
                Tried = tried,
            };
        }

        double prior = 2 * impactThreshold;
        LeverScore? best = null;
        foreach (var lever in objective.Levers)
        {
            double cur = Current(current, lever);
            var mine = tried.Where(t => t.Lever == lever.Name).ToList();
            int kept = mine.Count(t => t.Kept);
            int notKept = mine.Count - kept;
            var impacts = mine.Where(t => t.Kept && t.Impact is > 0).Select(t => t.Impact!.Value).ToList();
            double mean = impacts.Count > 0 ? impacts.Average() : prior;
            if (lever.Mode == OptimizationMode.Recommend)
            {
                escalate.Add(lever.Name);
                scores.Add(new LeverScore(lever.Name, cur, null, kept, notKept, mean, 0, "recommend only"));
                continue;
            }
            int streak = 0;
            for (int i = mine.Count - 1; i >= 0 && !mine[i].Kept; i--)
            {
                streak++;
            }
            if (streak >= objective.PatienceTrials)
            {
                scores.Add(new LeverScore(lever.Name, cur, null, kept, notKept, mean, 0,
                    $"converged: {streak} trials in a row rolled back"));
                continue;
            }
            double? candidate = Golden(lever, cur, mine, out string bracket);
            if (candidate is null)
            {
                scores.Add(new LeverScore(lever.Name, cur, null, kept, notKept, mean, 0, "exhausted: no untried value left in " + bracket));
                continue;
            }
            double sampled = Beta.Sample(random, 1 + kept, 1 + notKept) * mean;
            var score = new LeverScore(lever.Name, cur, candidate, kept, notKept, mean, sampled, "candidate in " + bracket);
            scores.Add(score);
            if (best is null || sampled > best.Sampled)
            {
                best = score;
            }
        }
        if (best is not null)
        {
            return new LeverDecision
            {
                Lever = best.Lever,
                Value = best.Candidate,
                Reason = $"{best.Lever} {Num(best.Current)} → {Num(best.Candidate!.Value)}: golden-section step {best.Status[13..]}; Thompson score {best.Sampled.ToString("0.###", CultureInfo.InvariantCulture)} (kept {best.Kept}, rolled back {best.NotKept}, mean impact {best.MeanImpact:P0})",
                Scores = scores,
                Tried = tried,
            };
        }
        string what = tried.Count == 0 ? "nothing could be tried" : string.Join("; ", tried.Select(Describe));
        if (objective.Threshold is { } threshold)
        {
            return new LeverDecision
            {
                Verdict = LeverVerdict.OutOfReach,
                Reason = $"objective out of reach of automatic levers: {objective.Name} is {(target is { } t ? Num(t) : "unknown")}, threshold {Num(threshold)}"
                    + (constraintsHold ? string.Empty : ", a constraint is broken") + "; tried: " + what
                    + (escalate.Count > 0 ? "; levers left to a person: " + string.Join(", ", escalate) : string.Empty),
                Scores = scores,
                Tried = tried,
                Escalate = escalate,
            };
        }
        return new LeverDecision
        {
            Verdict = LeverVerdict.Converged,
            Reason = $"converged: no lever is expected to improve {objective.Name} by {impactThreshold:P0} or more; tried: {what}",
            Scores = scores,
            Tried = tried,
            Escalate = escalate,
        };
    }

    /// <summary>One trial in words: lever, values, verdict, impact and p-value.</summary>
    public static string Describe(LeverTrial t)
        => $"{t.Lever} {Num(t.From)}→{Num(t.To)} {(t.Kept ? "kept" : "rolled back")}"
            + (t.Impact is { } i ? $" (impact {i:+0.#%;-0.#%}" + (t.PValue is { } p ? $", p = {p.ToString("G2", CultureInfo.InvariantCulture)}" : string.Empty) + ")" : string.Empty);

    /// <summary>The next value of the golden-section search around <paramref name="cur"/>, or null when the bracket is exhausted.</summary>
    internal static double? Golden(OptimizationLeverConfig lever, double cur, IReadOnlyList<LeverTrial> mine, out string bracket)
    {
        var values = mine.SelectMany(t => new[] { t.From, t.To }).Where(x => Math.Abs(x - cur) > lever.Step / 2).ToList();
        double? a = values.Where(x => x < cur).Select(x => (double?)x).Max();
        double? b = values.Where(x => x > cur).Select(x => (double?)x).Min();
        double lo = a ?? lever.Min;
        double hi = b ?? lever.Max;
        bracket = $"[{Num(lo)}, {Num(hi)}]";
        bool log = Log(lever);
        double U(double x) => log ? Math.Log(Math.Max(x, lever.Step / 2)) : x;
        double X(double u) => log ? Math.Exp(u) : u;
        bool Valid(double x) => x >= lever.Min - 1e-9 && x <= lever.Max + 1e-9 && Math.Abs(x - cur) > lever.Step / 2
            && (a is null || x > a.Value + lever.Step / 2) && (b is null || x < b.Value - lever.Step / 2)
            && !values.Any(t => Math.Abs(t - x) < lever.Step / 2);
        double right = U(hi) - U(cur);
        double left = U(cur) - U(lo);
        var sides = right >= left ? new[] { (true, right), (false, left) } : new[] { (false, left), (true, right) };
        // Note: bracketing first: after a kept move the search goes on that way with the step grown by the golden ratio
        // (as a minimiser's bracketing phase does), so a monotone lever reaches its bound in a few trials.
        double expand = 0;
        if (mine.LastOrDefault(t => t.Kept) is { } last && Math.Abs(last.To - cur) < lever.Step / 2)
        {
            bool upward = last.To > last.From;
            sides = upward ? [(true, right), (false, left)] : [(false, left), (true, right)];
            expand = (1 / GoldenFraction - 1) * Math.Abs(U(last.To) - U(last.From));
        }
        foreach (var (up, width) in sides)
        {
            if (width <= 0)
            {
                continue;
            }
            double sign = up ? 1 : -1;
            double expanded = Snap(lever, X(U(cur) + (sign * Math.Min(width, expand))));
            double golden = Snap(lever, X(U(cur) + (sign * GoldenFraction * width)));
            expand = 0;
            if (Valid(expanded) && expanded != cur)
            {
                return expanded;
            }
            if (Valid(golden))
            {
                return golden;
            }
            // Note: the golden point rounds onto a tried value or the incumbent: take the nearest untried value on that side.
            double edge = up ? hi : lo;
            for (int i = 1; i < MaxScan; i++)
            {
                double x = Snap(lever, cur + ((up ? 1 : -1) * i * lever.Step));
                if (up ? x > edge + 1e-9 : x < edge - 1e-9)
                {
                    break;
                }
                if (Valid(x))
                {
                    return x;
                }
            }
        }
        return null;
    }

    /// <summary>The next cheaper value to try (bisection between the highest value below that was rolled back, or the minimum, and <paramref name="cur"/>), or null.</summary>
    internal static double? Cheaper(OptimizationLeverConfig lever, double cur, IReadOnlyList<LeverTrial> mine)
    {
        double half = lever.Step / 2;
        var failed = mine.Where(t => !t.Kept).Select(t => t.To).ToList();
        double? f = failed.Where(x => x < cur - half).Select(x => (double?)x).Max();
        double lo = f ?? lever.Min;
        double mid = Log(lever) ? Math.Sqrt(Math.Max(lo, lever.Step) * cur) : (lo + cur) / 2;
        double x = Snap(lever, f is null && mid - lo < lever.Step ? lo : mid);
        if (f is not null && x <= f.Value + half)
        {
            x = Snap(lever, f.Value + lever.Step);
        }
        if (x >= cur - half || x < lever.Min - 1e-9 || failed.Any(t => Math.Abs(t - x) < half))
        {
            return null;
        }
        return x;
    }

    private static bool Log(OptimizationLeverConfig lever) => lever.Logarithmic ?? (lever.Min > 0 && lever.Max / lever.Min >= 10);

    private static double Snap(OptimizationLeverConfig lever, double x)
    {
        double step = lever.Step > 0 ? lever.Step : 1;
        double snapped = Math.Round(x / step, MidpointRounding.AwayFromZero) * step;
        return Math.Clamp(snapped, lever.Min, lever.Max);
    }

    private static double Current(IReadOnlyDictionary<string, double> current, OptimizationLeverConfig lever)
        => current.TryGetValue(lever.Name, out double v) ? v : throw new ArgumentException($"no current value for lever {lever.Name}");

    private static string Num(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
