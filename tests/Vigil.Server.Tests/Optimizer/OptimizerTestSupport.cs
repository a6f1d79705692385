using Vigil.Analysis.Insights;
using Vigil.Optimizer;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>Signals a test turns on and off.</summary>
internal sealed class TestSignals : IOptimizationSignalSource
{
    private readonly object _lock = new();
    private List<OptimizationSignal> _signals = new();

    public void Set(params OptimizationSignal[] signals)
    {
        lock (_lock)
        {
            _signals = [.. signals];
        }
    }

    public IReadOnlyList<OptimizationSignal> ActiveSignals()
    {
        lock (_lock)
        {
            return [.. _signals];
        }
    }

    public static OptimizationSignal Alert(string name, string severity = "warning", params (string Name, string Value)[] labels)
    {
        var map = labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);
        map["alertname"] = name;
        if (severity.Length > 0)
        {
            map["severity"] = severity;
        }
        return new OptimizationSignal(OptimizationSignal.AlertSource, name, severity, map, 1, DateTimeOffset.UtcNow, name + " is firing");
    }
}

/// <summary>A judge for tests whose executions must never reach the evaluation: calling it fails the test.</summary>
internal sealed class UnusedJudge : IStatisticalJudge
{
    public StatisticalComparison Compare(ReadOnlySpan<double> baseline, ReadOnlySpan<double> observation)
        => throw new InvalidOperationException("this test's executions must not be evaluated");
}

/// <summary>Configuration pieces the optimizer tests share.</summary>
internal static class OptimizerConfigs
{
    public static OptimizationExecutorConfig Tunable(Uri app, string? token = "s3cret", string name = "app", string? tunable = "pool_size")
        => new() { Name = name, Type = OptimizationExecutorKind.Tunable, Url = app.ToString(), Token = token, Tunable = tunable };

    public static OptimizationPolicyConfig Policy(string name, string alert, string executor, IReadOnlyDictionary<string, string> parameters,
        string target = "app/pool_size", int priority = 0, OptimizationMode? mode = null)
        => new()
        {
            Name = name,
            Match = new OptimizationMatchConfig { Source = OptimizationSignal.AlertSource, Type = alert },
            Action = new OptimizationActionConfig
            {
                Type = OptimizationActionType.ScaleUp,
                Executor = executor,
                Target = target,
                Parameters = parameters,
                Priority = priority,
            },
            Target = new OptimizationMetricConfig { Name = "latency", Query = "demo_latency_seconds" },
            Mode = mode,
        };

    /// <summary>A configuration whose observation window never ends during a test (executions stay applied until rolled back).</summary>
    public static OptimizationConfig Optimization(OptimizationMode mode, IReadOnlyList<OptimizationExecutorConfig> executors,
        IReadOnlyList<OptimizationPolicyConfig> policies, TimeSpan? observation = null)
        => new()
        {
            Mode = mode,
            Interval = TimeSpan.FromHours(1),
            Cooldown = TimeSpan.Zero,
            OptimizationTimeout = TimeSpan.FromSeconds(10),
            Evaluation = new OptimizationEvaluationConfig
            {
                // Note: no baseline lets auto-mode tests start an action right after the optimizer starts.
                Baseline = TimeSpan.Zero,
                Settle = TimeSpan.Zero,
                Observation = observation ?? TimeSpan.FromHours(1),
                Step = TimeSpan.FromSeconds(1),
            },
            Executors = executors,
            Policies = policies,
        };

    public static Dictionary<string, string> Params(params (string Key, string Value)[] p) => p.ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);
}

/// <summary>Optimizer tests share process-wide meters, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OptimizerCollection
{
    public const string Name = "optimizer";
}

/// <summary>Waits for an optimization to reach a state.</summary>
internal static class OptimizerWaits
{
    /// <summary>Polls every 20 ms (a phase can be short) until <paramref name="condition"/> holds; fails after 20 s naming the notes.</summary>
    internal static async Task<OptimizationExecution> WaitForAsync(PerformanceOptimizer optimizer, string id, Func<OptimizationExecution, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var e = optimizer.Find(id)!;
            if (condition(e))
            {
                return e;
            }
            Assert.True(DateTime.UtcNow < deadline, $"execution {id} stayed {e.Status}/{e.Phase}: {string.Join("; ", e.Notes.Select(n => n.Text))} {e.Error}");
            await Task.Delay(20);
        }
    }
}
