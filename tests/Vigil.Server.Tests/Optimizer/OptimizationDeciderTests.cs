using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Analysis.Insights;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

public sealed class OptimizationDeciderTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly OptimizationExecutorConfig App = Tunable(new Uri("http://127.0.0.1:1/"));
    private int _ids;

    private List<Proposal> Decide(OptimizationConfig config, IReadOnlyList<OptimizationSignal> signals, params OptimizationExecution[] history)
        => DecideSince(config, signals, null, history);

    private List<Proposal> DecideSince(OptimizationConfig config, IReadOnlyList<OptimizationSignal> signals, DateTimeOffset? since, params OptimizationExecution[] history)
    {
        var policies = config.Policies.Select((p, i) => new CompiledPolicy(p, config, i)).ToList();
        return new OptimizationDecider(NullLogger.Instance).Decide(config, policies, signals, history, Now, () => "id" + _ids++, since);
    }

    private static OptimizationConfig Auto(params OptimizationPolicyConfig[] policies) => Optimization(OptimizationMode.Auto, [App], policies) with
    {
        Cooldown = TimeSpan.FromMinutes(10),
        RollbackBackoff = TimeSpan.FromHours(1),
        Evaluation = new OptimizationEvaluationConfig { Baseline = TimeSpan.FromMinutes(5), Settle = TimeSpan.FromMinutes(1), Observation = TimeSpan.FromMinutes(5) },
    };

    private static OptimizationPolicyConfig Grow(string name = "grow", string target = "app/pool_size", int priority = 0)
        => Policy(name, "HighLatency", "app", Params(("factor", "2")), target: target, priority: priority);

    private static OptimizationExecution Past(string policy, string target, ExecutionStatus status, TimeSpan endedAgo, bool applied = true)
    {
        var end = Now - endedAgo;
        return new OptimizationExecution
        {
            Id = Guid.NewGuid().ToString("N"),
            Action = new OptimizationAction
            {
                Id = "a",
                Type = OptimizationActionType.ScaleUp,
                Target = target,
                Policy = policy,
                Executor = "app",
            },
            Status = status,
            Phase = status is ExecutionStatus.Running or ExecutionStatus.Pending ? ExecutionPhase.Observing : ExecutionPhase.Finished,
            CreatedAt = end - TimeSpan.FromMinutes(12),
            StartTime = status == ExecutionStatus.Pending ? null : end - TimeSpan.FromMinutes(11),
            AppliedAt = applied && status != ExecutionStatus.Pending ? end - TimeSpan.FromMinutes(11) : null,
            EndTime = status is ExecutionStatus.Running or ExecutionStatus.Pending ? null : end,
        };
    }

    private static readonly OptimizationSignal[] Latency = [TestSignals.Alert("HighLatency", "warning", ("service", "checkout"))];

    [Fact]
    public void Decide_MatchingAlert_ProposesTheActionWithTemplatedTargetAndParameters()
    {
        var policy = Policy("grow", "HighLatency", "app", Params(("factor", "{{ if eq .Severity \"critical\" }}2{{ else }}1.5{{ end }}")),
            target: "{{ .Labels.service }}/pool_size");
        var p = Assert.Single(Decide(Auto(policy), Latency));
        Assert.Equal("checkout/pool_size", p.Action.Target);
        Assert.Equal("1.5", p.Action.Parameters["factor"]);
        Assert.Equal(OptimizationMode.Auto, p.Mode);
        Assert.Equal("ScaleUp checkout/pool_size via app (factor=1.5) because alert HighLatency is active", p.Action.Description);
        Assert.Equal(TimeSpan.FromSeconds(10), p.Action.Timeout);
    }

    [Fact]
    public void Decide_SeverityAndMatchersFilterSignals()
    {
        var policy = Grow() with
        {
            Match = new OptimizationMatchConfig
            {
                Source = OptimizationSignal.AlertSource,
                Type = "HighLatency",
                Severities = ["critical"],
                Matchers = Vigil.PromQL.Parser.PromQLParser.ParseMetricSelector("{service=~\"check.*\"}"),
            },
        };
        Assert.Empty(Decide(Auto(policy), Latency));
        Assert.Empty(Decide(Auto(policy), [TestSignals.Alert("HighLatency", "critical", ("service", "billing"))]));
        Assert.Empty(Decide(Auto(policy), [TestSignals.Alert("HighErrors", "critical", ("service", "checkout"))]));
        Assert.Single(Decide(Auto(policy), [TestSignals.Alert("HighLatency", "critical", ("service", "checkout"))]));
        var insight = new OptimizationSignal(OptimizationSignal.InsightSource, "HighLatency", "critical",
            new Dictionary<string, string> { ["service"] = "checkout" }, 1, Now, "an insight, not an alert");
        Assert.Empty(Decide(Auto(policy), [insight]));
    }

    [Fact]
    public void Decide_PriorityOrdersCandidatesAndMaxConcurrentCapsAutoStarts()
    {
        var config = Auto(Grow("low", "a", 1), Grow("high", "b", 9), Grow("mid", "c", 5)) with { MaxConcurrentOptimizations = 2 };
        Assert.Equal(["high", "mid"], Decide(config, Latency).Select(p => p.Policy.Name));
        Assert.Equal(["high"], Decide(config, Latency, Past("other", "z", ExecutionStatus.Running, TimeSpan.Zero)).Select(p => p.Policy.Name));
    }

    [Fact]
    public void Decide_TargetBusyOrPending_NotProposedAgain()
    {
        var config = Auto(Grow("grow"), Grow("grow-more", priority: -1));
        Assert.Empty(Decide(config, Latency, Past("x", "app/pool_size", ExecutionStatus.Running, TimeSpan.Zero)));
        var recommend = Optimization(OptimizationMode.Recommend, [App], [Grow()]);
        Assert.Empty(Decide(recommend, Latency, Past("grow", "app/pool_size", ExecutionStatus.Pending, TimeSpan.Zero)));
    }

    [Fact]
    public void Decide_TwoPoliciesOnOneTarget_OnlyOneStarts()
        => Assert.Equal(["first"], Decide(Auto(Grow("first"), Grow("second")), Latency).Select(p => p.Policy.Name));

    [Fact]
    public void Decide_CooldownPerTarget()
    {
        var config = Auto(Grow("grow", "a"), Grow("grow-b", "b"));
        var recent = Past("grow", "a", ExecutionStatus.Completed, TimeSpan.FromMinutes(9));
        Assert.Equal(["b"], Decide(config, Latency, recent).Select(p => p.Action.Target));
        var older = Past("grow", "a", ExecutionStatus.Completed, TimeSpan.FromMinutes(11));
        Assert.Equal(["a", "b"], Decide(config, Latency, older).Select(p => p.Action.Target));
    }

    [Fact]
    public void Decide_TargetChangedWithinSettlePlusBaseline_Waits()
    {
        var config = Auto(Grow()) with { Cooldown = TimeSpan.Zero };
        Assert.Empty(Decide(config, Latency, Past("other", "app/pool_size", ExecutionStatus.RolledBack, TimeSpan.FromMinutes(5))));
        Assert.Single(Decide(config, Latency, Past("other", "app/pool_size", ExecutionStatus.RolledBack, TimeSpan.FromMinutes(6.5))));
    }

    [Fact]
    public void Decide_AfterAKeptChange_TheNextActionNeedsNoExtraWait()
    {
        var config = Auto(Grow()) with { Cooldown = TimeSpan.Zero };
        // Applied 11 minutes ago and kept 1 minute ago: its observation window is the next action's baseline.
        Assert.Single(Decide(config, Latency, Past("other", "app/pool_size", ExecutionStatus.Completed, TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public void Decide_SoonAfterStart_AutoWaitsForABaselineWindowButRecommendationsDoNot()
    {
        Assert.Empty(DecideSince(Auto(Grow()), Latency, Now - TimeSpan.FromMinutes(4)));
        Assert.Single(DecideSince(Auto(Grow()), Latency, Now - TimeSpan.FromMinutes(5)));
        var recommend = Optimization(OptimizationMode.Recommend, [App], [Grow()]);
        Assert.Single(DecideSince(recommend, Latency, Now - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Decide_HourlyBudget_CountsAppliedActions()
    {
        var config = Auto(Grow("grow", "t")) with { MaxActionsPerHour = 2 };
        var applied = Enumerable.Range(0, 2).Select(i => Past("x", "other" + i, ExecutionStatus.Completed, TimeSpan.FromMinutes(30))).ToArray();
        Assert.Empty(Decide(config, Latency, applied));
        var nothingChanged = applied.Select(e => e with { AppliedAt = null }).ToArray();
        Assert.Single(Decide(config, Latency, nothingChanged));
        var older = Enumerable.Range(0, 2).Select(i => Past("x", "other" + i, ExecutionStatus.Completed, TimeSpan.FromMinutes(55))).ToArray();
        Assert.Single(Decide(config, Latency, older));
    }

    [Fact]
    public void Decide_RolledBackPolicy_BacksOffUntilAnotherChangeToTheTargetIsKept()
    {
        var config = Auto(Grow("coarse", priority: 2), Grow("fine", priority: 1)) with { Cooldown = TimeSpan.Zero };
        var rolledBack = Past("coarse", "app/pool_size", ExecutionStatus.RolledBack, TimeSpan.FromMinutes(20));
        Assert.Equal(["fine"], Decide(config, Latency, rolledBack).Select(p => p.Policy.Name));

        var keptLater = Past("fine", "app/pool_size", ExecutionStatus.Completed, TimeSpan.FromMinutes(10));
        Assert.Equal(["coarse"], Decide(config, Latency, rolledBack, keptLater).Select(p => p.Policy.Name));

        var backoffOver = Past("coarse", "app/pool_size", ExecutionStatus.RolledBack, TimeSpan.FromMinutes(61));
        Assert.Equal(["coarse"], Decide(config, Latency, backoffOver).Select(p => p.Policy.Name));
    }

    [Fact]
    public void Decide_PolicyModeOverridesAndOffWins()
    {
        var config = Auto(Grow("careful", "a") with { Mode = OptimizationMode.Recommend }, Grow("bold", "b"));
        var proposals = Decide(config, Latency);
        Assert.Equal([("careful", OptimizationMode.Recommend), ("bold", OptimizationMode.Auto)], proposals.Select(p => (p.Policy.Name, p.Mode)));
        Assert.Empty(Decide(config with { Mode = OptimizationMode.Off }, Latency));
    }

    [Fact]
    public void Decide_RecommendMode_IgnoresConcurrencyAndBudget()
    {
        var config = Optimization(OptimizationMode.Recommend, [App], [Grow("a", "a"), Grow("b", "b")]) with { MaxConcurrentOptimizations = 1, MaxActionsPerHour = 1 };
        Assert.Equal(2, Decide(config, Latency, Past("x", "z", ExecutionStatus.Running, TimeSpan.Zero)).Count);
    }

    [Fact]
    public void Decide_CriticalSignalPreferredForTheSameTarget()
    {
        var policy = Policy("grow", "HighLatency", "app", Params(("sev", "{{ .Severity }}")), target: "app/pool_size");
        var p = Assert.Single(Decide(Auto(policy), [TestSignals.Alert("HighLatency", "warning"), TestSignals.Alert("HighLatency", "critical")]));
        Assert.Equal("critical", p.Signal.Severity);
    }
}
