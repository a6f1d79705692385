using Vigil.Analysis.Insights;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Rules;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The <c>config</c> executor changing a running server's own settings, through the optimizer.</summary>
[Collection(OptimizerCollection.Name)]
public sealed class ConfigExecutorTests
{
    private readonly MemoryStorage _storage = new();
    private readonly TestSignals _signals = new();

    private async Task<VigilServer> StartAsync(string setting, string set)
    {
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            Rules = new RuleManagerOptions { EvaluationInterval = TimeSpan.FromMinutes(1) },
            Optimization = Optimization(OptimizationMode.Approve,
                [new OptimizationExecutorConfig { Name = "vigil", Type = OptimizationExecutorKind.Config, Setting = setting }],
                [Policy("tune", "SlowCollection", "vigil", Params(("set", set)), target: "vigil/" + setting) with
                {
                    Action = new OptimizationActionConfig
                    {
                        Type = OptimizationActionType.ConfigurationUpdate,
                        Executor = "vigil",
                        Target = "vigil/" + setting,
                        Parameters = Params(("set", set)),
                    },
                }]),
            SignalSources = [_signals],
            StatisticalJudge = new UnusedJudge(),
        }, _storage);
        await server.StartAsync();
        return server;
    }

    private int SelfSamples() => _storage.AllSeries()
        .Where(l => l.Get("__name__") == "vigil_build_info")
        .Sum(l => _storage.SamplesOf(l).Count);

    [Fact]
    public async Task CollectionInterval_ChangedLiveThenRestored()
    {
        await using var server = await StartAsync("collectors.interval", "100ms");
        await server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(10));
        _signals.Set(TestSignals.Alert("SlowCollection"));
        string id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;
        int before = SelfSamples();

        server.Optimizer.Approve(id, "test");
        var applied = await OptimizerWaits.WaitForAsync(server.Optimizer, id, e => e.Phase == ExecutionPhase.Observing);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        int during = SelfSamples();

        Assert.Equal(1, before);
        Assert.Equal("1h", applied.PreviousValue);
        Assert.Equal("100ms", applied.AppliedValue);
        Assert.True(during >= 5, $"{during} collections in 1.5 s after the interval became 100ms");

        server.Optimizer.Rollback(id, "test");
        var done = await server.Optimizer.WaitForEndAsync(id).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Contains("collectors.interval: 100ms -> 1h (restored)", done.Output, StringComparison.Ordinal);
        int afterRollback = SelfSamples();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.InRange(SelfSamples() - afterRollback, 0, 1);
    }

    [Fact]
    public async Task EvaluationInterval_ChangedThroughTheRulesReloadHook()
    {
        await using var server = await StartAsync("rules.evaluation_interval", "15s");
        _signals.Set(TestSignals.Alert("SlowCollection"));
        string id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;

        server.Optimizer.Approve(id, "test");
        var applied = await OptimizerWaits.WaitForAsync(server.Optimizer, id, e => e.Phase == ExecutionPhase.Observing);

        Assert.Equal("1m", applied.PreviousValue);
        Assert.Equal(TimeSpan.FromSeconds(15), server.Rules!.Options.EvaluationInterval);
        server.Optimizer.Rollback(id, "test");
        await server.Optimizer.WaitForEndAsync(id).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromMinutes(1), server.Rules.Options.EvaluationInterval);
    }

    [Fact]
    public async Task Start_UnknownSetting_FailsListingTheLiveSettings()
    {
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            Optimization = Optimization(OptimizationMode.Auto,
                [new OptimizationExecutorConfig { Name = "vigil", Type = OptimizationExecutorKind.Config, Setting = "storage.retention" }], []),
            StatisticalJudge = new UnusedJudge(),
        }, _storage);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync());
        Assert.Equal("config executor vigil: unknown setting \"storage.retention\" (live settings: collectors.interval, rules.evaluation_interval)", ex.Message);
        await server.DisposeAsync();
    }
}
