using Vigil.Analysis.Insights;
using Vigil.Optimizer;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

[Collection(OptimizerCollection.Name)]
public sealed class PerformanceOptimizerTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-opt-").FullName;
    private readonly TestSignals _signals = new();
    private readonly MemoryStorage _storage = new();
    private TunableApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private PerformanceOptimizer Create(OptimizationConfig config)
        => new(config, _storage, _dataDir, [_signals], new UnusedJudge());

    private OptimizationConfig GrowPool(OptimizationMode mode, string factor = "2")
        => Optimization(mode, [Tunable(_app.BaseAddress)], [Policy("grow-pool", "HighLatency", "app", Params(("factor", factor)))]);

    [Fact]
    public async Task Decide_RecommendMode_ListsTheRecommendationAndChangesNothing()
    {
        await using var optimizer = Create(GrowPool(OptimizationMode.Recommend));
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));

        var created = Assert.Single(await optimizer.DecideAsync());

        Assert.Equal(ExecutionStatus.Pending, created.Status);
        Assert.Equal(OptimizationMode.Recommend, created.Mode);
        Assert.Equal("app/pool_size", created.Action.Target);
        Assert.Equal("HighLatency", created.Trigger!.Type);
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.Empty(_app.Requests);
        var listed = Assert.Single(optimizer.Executions());
        Assert.Equal(created.Id, listed.Id);
        var e = Assert.Throws<OptimizerException>(() => optimizer.Approve(created.Id, "test"));
        Assert.Contains("recommendation", e.Message, StringComparison.Ordinal);
        Assert.False(e.NotFound);
        Assert.Empty(await optimizer.DecideAsync());
    }

    [Fact]
    public async Task Approve_ThenRollback_AppliesTheChangeThenRestoresTheCapturedValue()
    {
        await using var optimizer = Create(GrowPool(OptimizationMode.Approve));
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));
        var pending = Assert.Single(await optimizer.DecideAsync());
        Assert.Equal(4L, _app.Value("pool_size"));

        optimizer.Approve(pending.Id[..8], "alice");
        var applied = await OptimizerWaits.WaitForAsync(optimizer, pending.Id, e => e.Phase == ExecutionPhase.Observing || e.IsTerminal);

        Assert.Equal(ExecutionStatus.Running, applied.Status);
        Assert.Equal("4", applied.PreviousValue);
        Assert.Equal("8", applied.AppliedValue);
        Assert.Equal(8L, _app.Value("pool_size"));
        Assert.Contains(applied.Notes, n => n.Text == "approved by alice");

        optimizer.Rollback(pending.Id, "bob");
        var done = await optimizer.WaitForEndAsync(pending.Id).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.Contains(done.Notes, n => n.Text == "rolling back: rolled back as asked by bob");
        Assert.NotNull(done.EndTime);
        Assert.Null(done.Evidence);
    }

    [Fact]
    public async Task Reject_PendingAction_EndsRejectedAndIsNeverApplied()
    {
        await using var optimizer = Create(GrowPool(OptimizationMode.Approve));
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));
        var pending = Assert.Single(await optimizer.DecideAsync());

        var rejected = optimizer.Reject(pending.Id, "carol", "peak hour");

        Assert.Equal(ExecutionStatus.Rejected, rejected.Status);
        Assert.Contains(rejected.Notes, n => n.Text == "rejected by carol: peak hour");
        Assert.Throws<OptimizerException>(() => optimizer.Approve(pending.Id, "carol"));
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.DoesNotContain(_app.Requests, r => r.StartsWith("PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Approve_UnknownId_IsNotFound()
    {
        await using var optimizer = Create(GrowPool(OptimizationMode.Approve));
        optimizer.Start();
        Assert.True(Assert.Throws<OptimizerException>(() => optimizer.Approve("0123456789abcdef", "x")).NotFound);
    }

    [Fact]
    public async Task Auto_ExecutorFails_FailedWithItsOutputAndARollbackAttempt()
    {
        _app.FailPuts = true;
        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));
        var started = Assert.Single(await optimizer.DecideAsync());

        var done = await optimizer.WaitForEndAsync(started.Id).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExecutionStatus.Failed, done.Status);
        Assert.StartsWith("apply failed: PUT ", done.Error, StringComparison.Ordinal);
        Assert.Contains("answered 500", done.Error, StringComparison.Ordinal);
        Assert.Contains("rollback failed", done.Error, StringComparison.Ordinal);
        Assert.Contains("the knob is stuck", done.Output, StringComparison.Ordinal);
        Assert.Contains(done.Notes, n => n.Text.StartsWith("rolling back: the executor failed", StringComparison.Ordinal));
        Assert.Equal(2, _app.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal)));
        Assert.Null(done.AppliedAt);
    }

    [Fact]
    public async Task Auto_TwoPoliciesOnOneTarget_OnlyTheHigherPriorityRuns()
    {
        var config = Optimization(OptimizationMode.Auto, [Tunable(_app.BaseAddress)],
        [
            Policy("grow-small", "HighLatency", "app", Params(("delta", "1")), priority: 1),
            Policy("grow-big", "HighLatency", "app", Params(("factor", "2")), priority: 5),
        ]);
        await using var optimizer = Create(config);
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));

        var started = Assert.Single(await optimizer.DecideAsync());
        Assert.Equal("grow-big", started.Action.Policy);
        await OptimizerWaits.WaitForAsync(optimizer, started.Id, e => e.Phase == ExecutionPhase.Observing);
        Assert.Empty(await optimizer.DecideAsync());
        Assert.Equal(8L, _app.Value("pool_size"));
    }

    [Fact]
    public async Task Auto_KnobAtItsMaximum_RejectedAsNothingToChange()
    {
        _app.Set("pool_size", 64L);
        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        _signals.Set(TestSignals.Alert("HighLatency"));
        var started = Assert.Single(await optimizer.DecideAsync());

        var done = await optimizer.WaitForEndAsync(started.Id).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExecutionStatus.Rejected, done.Status);
        Assert.Contains(done.Notes, n => n.Text == "nothing to change: pool_size is already at its maximum 64");
        Assert.DoesNotContain(_app.Requests, r => r.StartsWith("PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_HistorySurvivesAndRecommendationsAreStillListed()
    {
        string id;
        await using (var first = Create(GrowPool(OptimizationMode.Recommend)))
        {
            first.Start();
            _signals.Set(TestSignals.Alert("HighLatency"));
            id = Assert.Single(await first.DecideAsync()).Id;
        }
        await using var second = Create(GrowPool(OptimizationMode.Recommend));
        second.Start();

        var e = Assert.Single(second.Executions());
        Assert.Equal(id, e.Id);
        Assert.Equal(ExecutionStatus.Pending, e.Status);
        Assert.Equal("HighLatency", e.Trigger!.Type);
        Assert.Equal(Path.Combine(_dataDir, "optimizer", "executions.jsonl"), second.HistoryPath);
    }

    [Fact]
    public async Task Restart_InterruptedWhileApplying_RollsBackToTheCapturedValue()
    {
        // The previous process captured 4, had set the knob to 8, and died before journaling the change as applied.
        var interrupted = Interrupted(ExecutionPhase.Applying, previous: "4", appliedAt: null);
        WriteJournal(interrupted);
        _app.Set("pool_size", 8L);

        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        var done = await optimizer.WaitForEndAsync(interrupted.Id).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.Contains(done.Notes, n => n.Text == "interrupted by a restart while the change was being applied; rolling back");
        Assert.Contains("pool_size: 8 -> 4 (restored)", done.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_InterruptedWhileObserving_ResumesTheObservation()
    {
        var interrupted = Interrupted(ExecutionPhase.Observing, previous: "4", appliedAt: DateTimeOffset.UtcNow);
        WriteJournal(interrupted);
        _app.Set("pool_size", 8L);

        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        var resumed = await OptimizerWaits.WaitForAsync(optimizer, interrupted.Id, e => e.Phase == ExecutionPhase.Observing && e.Notes.Count > 0);

        Assert.Equal(ExecutionStatus.Running, resumed.Status);
        Assert.Contains(resumed.Notes, n => n.Text == "resumed after a restart (observing)");
        Assert.Equal(8L, _app.Value("pool_size"));
        optimizer.Rollback(interrupted.Id, "test");
        Assert.Equal(ExecutionStatus.RolledBack, (await optimizer.WaitForEndAsync(interrupted.Id).WaitAsync(TimeSpan.FromSeconds(20))).Status);
        Assert.Equal(4L, _app.Value("pool_size"));
    }

    [Fact]
    public async Task Restart_InterruptedWhileObservingAWindowThatHasPassed_EvaluatesInsteadOfFailing()
    {
        // Regression: the resumed runner re-entered "observing" from "observing", which the transition table refuses.
        var interrupted = Interrupted(ExecutionPhase.Observing, previous: "4", appliedAt: DateTimeOffset.UtcNow.AddHours(-1));
        WriteJournal(interrupted);
        _app.Set("pool_size", 8L);

        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        var done = await optimizer.WaitForEndAsync(interrupted.Id).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Null(done.Error);
        Assert.NotNull(done.Evidence);
        Assert.Equal(4L, _app.Value("pool_size"));
    }

    [Fact]
    public async Task Restart_InterruptedBeforeApplying_FailedWithNothingChanged()
    {
        var interrupted = Interrupted(ExecutionPhase.Capturing, previous: null, appliedAt: null);
        WriteJournal(interrupted);

        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();
        var e = optimizer.Find(interrupted.Id)!;

        Assert.Equal(ExecutionStatus.Failed, e.Status);
        Assert.Equal("interrupted by a restart before the change was applied; nothing was changed", e.Error);
        Assert.Empty(_app.Requests);
    }

    [Fact]
    public async Task Rollback_CompletedWhileALaterChangeToTheTargetIsInForce_Refused()
    {
        var older = Interrupted(ExecutionPhase.Finished, "4", DateTimeOffset.UtcNow.AddMinutes(-10)) with { Status = ExecutionStatus.Completed };
        var newer = Interrupted(ExecutionPhase.Finished, "8", DateTimeOffset.UtcNow.AddMinutes(-1)) with { Status = ExecutionStatus.Completed };
        WriteJournal(older, newer);

        await using var optimizer = Create(GrowPool(OptimizationMode.Auto));
        optimizer.Start();

        var e = Assert.Throws<OptimizerException>(() => optimizer.Rollback(older.Id, "test"));
        Assert.Equal($"optimization {newer.Id} changed app/pool_size later and is still in force; roll it back first", e.Message);
        _app.Set("pool_size", 16L);
        optimizer.Rollback(newer.Id, "test");
        Assert.Equal(ExecutionStatus.RolledBack, (await optimizer.WaitForEndAsync(newer.Id).WaitAsync(TimeSpan.FromSeconds(20))).Status);
        Assert.Equal(8L, _app.Value("pool_size"));
    }

    private static OptimizationExecution Interrupted(ExecutionPhase phase, string? previous, DateTimeOffset? appliedAt)
    {
        var start = (appliedAt ?? DateTimeOffset.UtcNow).AddSeconds(-1);
        return new OptimizationExecution
        {
            Id = Guid.CreateVersion7(start).ToString("N"),
            Action = new OptimizationAction
            {
                Id = Guid.NewGuid().ToString("N"),
                Type = OptimizationActionType.ScaleUp,
                Target = "app/pool_size",
                Policy = "grow-pool",
                Executor = "app",
                Parameters = Params(("factor", "2")),
                Timeout = TimeSpan.FromSeconds(10),
            },
            Mode = OptimizationMode.Auto,
            Status = ExecutionStatus.Running,
            Phase = phase,
            CreatedAt = start,
            StartTime = start,
            AppliedAt = appliedAt,
            PreviousValue = previous,
        };
    }

    private void WriteJournal(params OptimizationExecution[] executions)
    {
        using var journal = OptimizationJournal.Open(_dataDir, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, out _);
        foreach (var e in executions)
        {
            journal.Append(e);
        }
    }
}
