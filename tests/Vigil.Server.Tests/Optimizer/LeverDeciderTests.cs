using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Server.Tests.Optimizer;

public sealed class LeverDeciderTests
{
    private static readonly OptimizationLeverConfig Pool = new() { Name = "pool_size", Executor = "svc", Target = "svc/pool_size", Min = 1, Max = 64 };

    private static readonly OptimizationLeverConfig Cache = new() { Name = "cache_size", Executor = "svc", Target = "svc/cache_size", Min = 100, Max = 10_000, Step = 50 };

    private static OptimizationObjectiveConfig Objective(double? threshold, params OptimizationLeverConfig[] levers) => new()
    {
        Name = "p99",
        Target = new OptimizationMetricConfig { Name = "p99", Query = "p99", Better = MetricDirection.Lower },
        Threshold = threshold,
        Levers = levers,
    };

    private static LeverTrial Trial(string lever, double from, double to, bool kept, double impact = 0.3, int epoch = 0)
        => new(lever, from, to, kept, kept ? impact : 0.01, kept ? 1e-6 : 0.5, 0.5, 0.05, 0.04, epoch, kept ? "improved" : "no significant change");

    private static LeverDecision Decide(OptimizationObjectiveConfig objective, Dictionary<string, double> current, double target, params LeverTrial[] trials)
        => LeverDecider.Decide(objective, current, trials, target, constraintsHold: true, epoch: trials.Length == 0 ? 0 : trials.Max(t => t.Epoch), 0.1, new Random(1));

    [Fact]
    public void Decide_NoHistory_ProposesTheGoldenSectionPointOfTheWiderSideOnALogScale()
    {
        var d = Decide(Objective(null, Pool), new() { ["pool_size"] = 2 }, 0.05);

        Assert.Equal(LeverVerdict.None, d.Verdict);
        Assert.Equal("pool_size", d.Lever);
        // ln 2 + 0.382 × (ln 64 − ln 2) = ln 7.5, rounded to 8.
        Assert.Equal(8, d.Value);
        Assert.Contains("golden-section", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AfterAKeptMoveUp_ExpandsTheStepThatWayByTheGoldenRatio()
    {
        var d = Decide(Objective(null, Cache), new() { ["cache_size"] = 600 }, 0.05, Trial("cache_size", 100, 600, kept: true));

        // The step from 100 to 600 grown by 1.618 on the log scale: 600 × 6^1.618 ≈ 10 000 (the bound).
        Assert.Equal(10_000, d.Value);
    }

    [Fact]
    public void Decide_ValueRolledBackInThisEpoch_IsNeverProposedAgainUntilTheConditionsChange()
    {
        var objective = Objective(null, Pool);
        var current = new Dictionary<string, double> { ["pool_size"] = 8 };
        LeverTrial[] history = [Trial("pool_size", 2, 8, kept: true), Trial("pool_size", 8, 18, kept: false)];

        var proposed = new List<double>();
        var trials = history.ToList();
        for (int i = 0; i < 20; i++)
        {
            var d = LeverDecider.Decide(objective with { PatienceTrials = 100 }, current, trials, 0.05, true, 0, 0.1, new Random(i));
            if (d.Verdict != LeverVerdict.None)
            {
                break;
            }
            proposed.Add(d.Value!.Value);
            trials.Add(Trial("pool_size", 8, d.Value!.Value, kept: false));
        }

        Assert.Equal(proposed.Count, proposed.Distinct().Count());
        Assert.DoesNotContain(18, proposed);
        Assert.All(proposed, v => Assert.InRange(v, 3, 17));
        var again = LeverDecider.Decide(objective, current, history, 0.05, true, epoch: 1, 0.1, new Random(1));
        Assert.Equal(18, again.Value);
    }

    [Fact]
    public void Decide_PatienceTrialsRolledBackInARow_LeverConvergesAndTheVerdictListsWhatWasTried()
    {
        var d = Decide(Objective(null, Pool), new() { ["pool_size"] = 8 }, 0.05,
            Trial("pool_size", 2, 8, kept: true), Trial("pool_size", 8, 18, kept: false), Trial("pool_size", 8, 5, kept: false), Trial("pool_size", 8, 11, kept: false));

        Assert.Equal(LeverVerdict.Converged, d.Verdict);
        Assert.Null(d.Lever);
        Assert.Contains("pool_size 8→18 rolled back", d.Reason, StringComparison.Ordinal);
        Assert.Equal("converged: 3 trials in a row rolled back", Assert.Single(d.Scores).Status);
    }

    [Fact]
    public void Decide_ThresholdNotMetAndLeversExhausted_SaysOutOfReachAndEscalatesTheRecommendOnlyLevers()
    {
        var cacheRecommend = Cache with { Mode = OptimizationMode.Recommend };
        var d = Decide(Objective(0.025, Pool, cacheRecommend), new() { ["pool_size"] = 8, ["cache_size"] = 200 }, 0.055,
            Trial("pool_size", 4, 8, kept: true), Trial("pool_size", 8, 18, kept: false), Trial("pool_size", 8, 5, kept: false), Trial("pool_size", 8, 11, kept: false));

        Assert.Equal(LeverVerdict.OutOfReach, d.Verdict);
        Assert.StartsWith("objective out of reach of automatic levers: p99 is 0.055, threshold 0.025; tried: pool_size 4→8 kept", d.Reason, StringComparison.Ordinal);
        Assert.EndsWith("levers left to a person: cache_size", d.Reason, StringComparison.Ordinal);
        Assert.Equal(["cache_size"], d.Escalate);
        Assert.Equal(4, d.Tried.Count);
    }

    [Fact]
    public void Decide_ThresholdMetWithACostedLever_BisectsTowardTheCheapestSettingThenSaysMet()
    {
        var objective = Objective(0.060, Pool with { CostPerUnit = 1 });

        var first = Decide(objective, new() { ["pool_size"] = 32 }, 0.050);
        Assert.True(first.SavesCost);
        Assert.Equal(6, first.Value); // √(1 × 32) ≈ 5.66
        var second = Decide(objective, new() { ["pool_size"] = 6 }, 0.052, Trial("pool_size", 32, 6, kept: true), Trial("pool_size", 6, 2, kept: false));
        Assert.Equal(3, second.Value); // √(2 × 6) ≈ 3.46, above the failed 2
        var done = Decide(objective, new() { ["pool_size"] = 5 }, 0.055,
            Trial("pool_size", 32, 6, kept: true), Trial("pool_size", 6, 2, kept: false), Trial("pool_size", 6, 4, kept: false), Trial("pool_size", 6, 5, kept: true));
        Assert.Equal(LeverVerdict.Met, done.Verdict);
        Assert.Equal("p99 is met (0.055 ≤ 0.06) and the constraints hold", done.Reason);
    }

    [Fact]
    public void Decide_ThompsonSampling_PrefersTheLeverWhoseChangesWereKeptButStillExploresTheOther()
    {
        var objective = Objective(null, Pool, Cache) with { PatienceTrials = 10 };
        var current = new Dictionary<string, double> { ["pool_size"] = 8, ["cache_size"] = 2000 };
        LeverTrial[] trials = [Trial("cache_size", 1000, 2000, kept: true, 0.3)];

        int cache = Enumerable.Range(0, 200).Count(seed => LeverDecider.Decide(objective, current, trials, 0.05, true, 0, 0.1, new Random(seed)).Lever == "cache_size");

        // P(pool wins) = P(0.2 · Beta(1, 1) > 0.3 · Beta(2, 1)) ≈ 0.15: about 170 of 200 draws choose the cache.
        Assert.InRange(cache, 140, 195);
    }
}

public sealed class LeverHistoryTests
{
    private static OptimizationExecution Applied(string target, string from, string to, ExecutionStatus status, double impact, int minute) => new()
    {
        Id = "e" + minute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Action = new OptimizationAction
        {
            Id = "a",
            Type = Vigil.Analysis.Insights.OptimizationActionType.ConfigurationUpdate,
            Target = target,
            Policy = "objective",
            Executor = "svc",
            Parameters = new Dictionary<string, string>(),
            Timeout = TimeSpan.FromSeconds(5),
        },
        Status = status,
        Phase = ExecutionPhase.Finished,
        AppliedAt = DateTimeOffset.UnixEpoch.AddMinutes(minute),
        PreviousValue = from,
        AppliedValue = to,
        ActualImpact = impact,
        Evidence = new EvaluationEvidence
        {
            BaselineStart = DateTimeOffset.UnixEpoch,
            BaselineEnd = DateTimeOffset.UnixEpoch,
            ObservationStart = DateTimeOffset.UnixEpoch,
            ObservationEnd = DateTimeOffset.UnixEpoch,
            Reason = "target p99 improved",
            Metrics =
            [
                new MetricEvidence
                {
                    Name = "p99", Role = MetricRole.Target, Query = "p99", PValue = 0.001, EffectSize = -0.8,
                    Baseline = new WindowStatistics { Median = 0.09 }, Observation = new WindowStatistics { Median = 0.05 },
                    Classification = MetricClassification.Pass,
                },
            ],
        },
    };

    [Fact]
    public void Trials_JournaledExecutionsOnALeverTarget_BecomeTrialsWithTheEvaluatorsEvidence()
    {
        var objective = new OptimizationObjectiveConfig
        {
            Name = "p99",
            Target = new OptimizationMetricConfig { Name = "p99", Query = "p99" },
            Levers = [new OptimizationLeverConfig { Name = "pool_size", Executor = "svc", Target = "svc/pool_size", Min = 1, Max = 64 }],
        };
        OptimizationExecution[] executions =
        [
            Applied("svc/pool_size", "8", "18", ExecutionStatus.RolledBack, 0.01, 10),
            Applied("svc/pool_size", "2", "8", ExecutionStatus.Completed, 0.44, 5),
            Applied("svc/cache_size", "100", "200", ExecutionStatus.Completed, 0.2, 7),
            Applied("svc/pool_size", "8", "true", ExecutionStatus.RolledBack, 0, 12),
        ];

        var trials = LeverHistory.Trials(objective, executions, at => at.Minute >= 10 ? 1 : 0);

        Assert.Equal(2, trials.Count);
        Assert.Equal(new LeverTrial("pool_size", 2, 8, true, 0.44, 0.001, -0.8, 0.09, 0.05, 0, "target p99 improved"), trials[0]);
        Assert.False(trials[1].Kept);
        Assert.Equal(18, trials[1].To);
        Assert.Equal(1, trials[1].Epoch);
    }
}
