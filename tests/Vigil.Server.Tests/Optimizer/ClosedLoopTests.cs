using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Engine;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>
/// The whole loop in one process with short windows: a server in auto mode, a real tunable app over HTTP, and a
/// simulated latency that follows the app's pool size (0.4 s / pool_size). Decide, apply, observe, evaluate, keep or
/// roll back, and the executions stored as series.
/// </summary>
[Collection(OptimizerCollection.Name)]
public sealed class ClosedLoopTests : IAsyncLifetime
{
    private static readonly LabelSet Latency = LabelSet.Of("__name__", "demo_latency_seconds", "job", "demo");
    private readonly MemoryStorage _storage = new();
    private readonly TestSignals _signals = new();
    private readonly CancellationTokenSource _stop = new();
    private TunableApp _app = null!;
    private Task _simulator = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
        _simulator = Task.Run(SimulateAsync);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _simulator;
        await _app.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Writes the latency the current pool size gives, with ±5 % noise, every 100 ms.</summary>
    private async Task SimulateAsync()
    {
        var rng = new Random(7);
        while (!_stop.IsCancellationRequested)
        {
            double latency = 0.4 / (long)_app.Value("pool_size") * (1 + ((rng.NextDouble() - 0.5) * 0.1));
            var app = _storage.Appender();
            app.Append(Latency, Timestamp.Now(), latency);
            app.Commit();
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<VigilServer> StartAsync(string factor)
    {
        var config = Optimization(OptimizationMode.Auto, [Tunable(_app.BaseAddress)],
            [Policy("resize-pool", "HighLatency", "app", Params(("factor", factor)))]) with
        {
            Interval = TimeSpan.FromMilliseconds(200),
            Evaluation = new OptimizationEvaluationConfig
            {
                Baseline = TimeSpan.FromSeconds(3),
                Settle = TimeSpan.FromMilliseconds(600),
                Observation = TimeSpan.FromSeconds(3),
                Step = TimeSpan.FromMilliseconds(200),
            },
        };
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromMilliseconds(250),
            CollectHost = false,
            Optimization = config,
            SignalSources = [_signals],
        }, _storage);
        await server.StartAsync();
        // Note: the first decision waits until a baseline window of data exists.
        await Task.Delay(TimeSpan.FromSeconds(3.2));
        return server;
    }

    private async Task<OptimizationExecution> FirstExecutionAsync(VigilServer server)
    {
        _signals.Set(TestSignals.Alert("HighLatency"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (server.Optimizer!.Executions().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no execution started");
            await Task.Delay(50);
        }
        var first = server.Optimizer.Executions()[^1];
        _signals.Set();
        return await server.Optimizer.WaitForEndAsync(first.Id).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private double Query(string expr)
    {
        var result = new PromQLEngine().InstantQuery(_storage, expr, Timestamp.Now());
        var v = Assert.IsType<VectorValue>(result.Value);
        return Assert.Single(v.Samples).V;
    }

    [Fact]
    public async Task HelpfulAction_KeptWithTheMeasuredImpactAndCountedAsSeries()
    {
        await using var server = await StartAsync("2");
        var done = await FirstExecutionAsync(server);

        Assert.True(done.Status == ExecutionStatus.Completed, $"{done.Status}: {done.Evidence?.Reason} {done.Error}");
        Assert.Equal(8L, _app.Value("pool_size"));
        Assert.Equal(("4", "8"), (done.PreviousValue, done.AppliedValue));
        Assert.InRange(done.ActualImpact!.Value, 0.4, 0.6);
        var target = Assert.Single(done.Evidence!.Metrics);
        Assert.Equal(MetricClassification.Low, target.Classification);
        Assert.True(target.PValue < 0.02);
        Assert.InRange(target.Baseline.Median, 0.09, 0.11);
        Assert.InRange(target.Observation.Median, 0.045, 0.055);

        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Equal(1, Query("vigil_optimization_executions_total{type=\"ScaleUp\",status=\"Completed\"}"));
        Assert.Equal(1, Query("vigil_optimization_executions_total{type=\"ScaleUp\",status=\"Running\"}"));
        Assert.InRange(Query("vigil_optimization_impact_ratio{policy=\"resize-pool\",target=\"app/pool_size\",type=\"ScaleUp\"}"), 0.4, 0.6);
    }

    [Fact]
    public async Task HarmfulAction_RolledBackAfterOneWindowWithItsEvidence()
    {
        await using var server = await StartAsync("0.5");
        var done = await FirstExecutionAsync(server);

        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.Equal(("4", "2"), (done.PreviousValue, done.AppliedValue));
        var ev = done.Evidence!;
        Assert.False(ev.Keep);
        Assert.StartsWith("target latency did not improve significantly: median ", ev.Reason, StringComparison.Ordinal);
        var m = Assert.Single(ev.Metrics);
        Assert.Equal(MetricClassification.High, m.Classification);
        Assert.InRange(m.RelativeChange!.Value, 0.8, 1.2);
        Assert.InRange(done.ActualImpact!.Value, -1.2, -0.8);
        Assert.True(done.EndTime - done.AppliedAt < TimeSpan.FromSeconds(10), $"{done.AppliedAt} -> {done.EndTime}");
        Assert.Contains(done.Notes, n => n.Text.StartsWith("rolling back: evaluation: target latency did not improve", StringComparison.Ordinal));

        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Equal(1, Query("vigil_optimization_executions_total{type=\"ScaleUp\",status=\"RolledBack\"}"));
    }
}
