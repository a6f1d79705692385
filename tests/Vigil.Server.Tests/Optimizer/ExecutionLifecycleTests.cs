using System.Reflection;
using Vigil.Analysis.Insights;
using Vigil.Optimizer;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Lifecycle;
using Vigil.Optimizer.Model;

namespace Vigil.Server.Tests.Optimizer;

[Collection(OptimizerCollection.Name)]
public sealed class ExecutionLifecycleTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-lifecycle-").FullName;
    private readonly OptimizerMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static OptimizationExecution New(string id) => new()
    {
        Id = id,
        Action = new OptimizationAction
        {
            Id = "a-" + id,
            Type = OptimizationActionType.ScaleUp,
            Target = "app/pool_size",
            Policy = "grow",
            Executor = "app",
            Parameters = new Dictionary<string, string>(),
            Timeout = TimeSpan.FromSeconds(5),
        },
        Status = ExecutionStatus.Pending,
        Phase = ExecutionPhase.Proposed,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private ExecutionLifecycle Open(out OptimizationJournal journal)
    {
        var lifecycle = new ExecutionLifecycle(TimeProvider.System, _metrics);
        journal = OptimizationJournal.Open(_dataDir, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, out var loaded);
        lifecycle.Load(journal, loaded);
        return lifecycle;
    }

    [Fact]
    public void OptimizationExecution_PublicProperties_HaveNoSetters()
    {
        var writable = typeof(OptimizationExecution).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } set
                && !set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)))
            .Select(p => p.Name);
        Assert.Empty(writable);
    }

    [Fact]
    public void Transition_NotInTheTable_IsRefusedAndNothingIsJournaled()
    {
        var lifecycle = Open(out var journal);
        using (journal)
        {
            lifecycle.Propose(New("e1"), "proposed");
            var e = Assert.Throws<InvalidOperationException>(() => lifecycle.Transition("e1", ExecutionState.Kept));
            Assert.Equal("optimization e1: no transition from Pending/Proposed to Completed/Finished", e.Message);
            Assert.Equal(ExecutionState.Proposed, ExecutionState.Of(lifecycle.Get("e1")));
        }
        var reloaded = Open(out var again);
        using (again)
        {
            Assert.Equal(ExecutionState.Proposed, ExecutionState.Of(reloaded.Get("e1")));
        }
    }

    [Fact]
    public void Transition_ThroughTheWholeLifeCycle_JournalsEveryStepAndKeepsOldSnapshots()
    {
        var lifecycle = Open(out var journal);
        OptimizationExecution proposed;
        using (journal)
        {
            proposed = lifecycle.Propose(New("e2"), "proposed");
            lifecycle.Transition("e2", ExecutionState.Capturing, "approved by alice");
            lifecycle.Transition("e2", ExecutionState.Applying, change: x => x with { PreviousValue = "4" });
            lifecycle.Transition("e2", ExecutionState.Settling, "applied", x => x with { AppliedAt = DateTimeOffset.UnixEpoch.AddMinutes(1) });
            lifecycle.Transition("e2", ExecutionState.Observing);
            lifecycle.Transition("e2", ExecutionState.Evaluating);
            lifecycle.Transition("e2", ExecutionState.Kept, "kept: better");
        }
        Assert.Equal(ExecutionStatus.Pending, proposed.Status);
        Assert.Single(proposed.Notes);
        var reloaded = Open(out var again);
        using (again)
        {
            var e = reloaded.Get("e2");
            Assert.Equal(ExecutionState.Kept, ExecutionState.Of(e));
            Assert.Equal("4", e.PreviousValue);
            Assert.NotNull(e.StartTime);
            Assert.NotNull(e.EndTime);
            Assert.Equal(["proposed", "approved by alice", "applied", "kept: better"], e.Notes.Select(n => n.Text));
        }
        Assert.Equal(7, File.ReadAllLines(Path.Combine(_dataDir, "optimizer", "executions.jsonl")).Length);
    }

    [Fact]
    public void Record_ThatTriesToChangeTheState_IsRefused()
    {
        var lifecycle = Open(out var journal);
        using (journal)
        {
            lifecycle.Propose(New("e3"), "proposed");
            var e = Assert.Throws<InvalidOperationException>(() => lifecycle.Record("e3", change: x => x with { Status = ExecutionStatus.Completed }));
            Assert.Contains("may not change the state", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LifecycleTable_EveryRunningState_HasARestartRuleAndEndedStatesHaveNone()
    {
        foreach (var state in LifecycleTable.States)
        {
            Assert.Equal(state.Status == ExecutionStatus.Running, LifecycleTable.OnRestart(state) is not null);
        }
        Assert.Equal(RestartAction.FailUnchanged, LifecycleTable.OnRestart(ExecutionState.Capturing));
        Assert.Equal(RestartAction.RollBack, LifecycleTable.OnRestart(ExecutionState.Applying));
        Assert.Equal(RestartAction.ResumeObservation, LifecycleTable.OnRestart(ExecutionState.Observing));
        Assert.Empty(LifecycleTable.Successors(ExecutionState.RolledBack));
        Assert.Empty(LifecycleTable.Successors(ExecutionState.Failed));
        Assert.True(LifecycleTable.Allows(ExecutionState.Kept, ExecutionState.RollingBack));
    }
}
