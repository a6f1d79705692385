using Vigil.Bench;
using Vigil.Optimizer.Decider.Levers;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The scenario suite of <c>vigil bench optimize</c> (simulated time, so it runs in a second).</summary>
public sealed class OptimizeBenchTests
{
    private static readonly List<OptimizeBench.Outcome> Outcomes = OptimizeBench.Run(OptimizeScenarios.All, seed: 1);

    private static OptimizeBench.Outcome Of(string name) => Outcomes.Single(o => o.Scenario.Name == name);

    [Fact]
    public void Run_EveryScenario_EndsWithAVerdictAndKeepsNoHarmfulChange()
    {
        Assert.Equal(9, Outcomes.Count);
        Assert.All(Outcomes, o =>
        {
            Assert.True(o.Verdict is { Verdict: not LeverVerdict.None }, o.Scenario.Name + " has no verdict");
            Assert.Equal(0, o.HarmfulKept);
        });
    }

    [Theory]
    [InlineData("downstream-400")]
    [InlineData("downstream-600")]
    public void Run_ThresholdTheLeversCannotReach_SaysOutOfReachAndEscalatesTheCache(string name)
    {
        var o = Of(name);
        Assert.False(o.Reachable);
        Assert.Equal(LeverVerdict.OutOfReach, o.Verdict!.Verdict);
        Assert.Equal(["cache_size"], o.Verdict.Escalate);
        Assert.StartsWith("objective out of reach of automatic levers", o.Verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pool-bound", 1.10)]
    [InlineData("cache-bound", 1.10)]
    [InlineData("downstream-200", 1.10)]
    [InlineData("non-monotonic", 1.10)]
    [InlineData("no-effect", 1.10)]
    [InlineData("pool-cost", 1.10)]
    [InlineData("noisy-neighbour", 1.10)]
    public void Run_ReachableScenario_EndsNearTheBestStaticSettingOfTheSweep(string name, double within)
    {
        var o = Of(name);
        Assert.True(o.Reachable);
        Assert.NotEqual(LeverVerdict.OutOfReach, o.Verdict!.Verdict);
        Assert.InRange(o.Ratio, 0.5, within);
    }

    [Fact]
    public void Run_NoisyNeighbour_StartsANewEpochAndTurnsTheCacheItHadLeftAlone()
    {
        var o = Of("noisy-neighbour");
        Assert.True(o.Epochs >= 2);
        Assert.True(o.Final["cache_size"] > 500, string.Join("\n", o.Log));
        Assert.Contains(o.Log, l => l.Contains("conditions changed", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_NoEffectKnob_KeepsNothing()
    {
        var o = Of("no-effect");
        Assert.Equal(0, o.Kept);
        Assert.Equal(LeverVerdict.Converged, o.Verdict!.Verdict);
    }
}
