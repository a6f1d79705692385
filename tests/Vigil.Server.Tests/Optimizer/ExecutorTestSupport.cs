using Vigil.Analysis.Insights;
using Vigil.Optimizer.Model;

namespace Vigil.Server.Tests.Optimizer;

internal static class ExecutorTestSupport
{
    /// <summary>An execution as executors see it: an action with parameters, a trigger, and optionally the captured value.</summary>
    public static OptimizationExecution Execution(IReadOnlyDictionary<string, string> parameters, string? previous = null, string target = "svc/pool")
        => new()
        {
            Id = "0123456789abcdef",
            Action = new OptimizationAction
            {
                Id = "act-1",
                Type = OptimizationActionType.ScaleUp,
                Target = target,
                Policy = "grow",
                Executor = "x",
                Parameters = parameters,
                Timeout = TimeSpan.FromSeconds(10),
            },
            Status = ExecutionStatus.Running,
            Trigger = new OptimizationSignal(OptimizationSignal.AlertSource, "HighLatency", "critical",
                new Dictionary<string, string> { ["alertname"] = "HighLatency", ["service"] = "checkout" }, 0.75, DateTimeOffset.UnixEpoch, "p99 high"),
            PreviousValue = previous,
        };
}
