using Vigil.Core.Config;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Options;

/// <summary>
/// The <c>optimization:</c> section of <c>vigil.yaml</c>: the mode, the seed's limits (<c>max_concurrent_optimizations</c>,
/// <c>optimization_timeout</c>, <c>impact_threshold</c>), cooldowns and budget, evaluation defaults, executors and policies.
/// </summary>
/// <remarks>
/// <code>
/// optimization:
///   mode: approve                      # off | recommend | approve | auto
///   interval: 15s                      # how often policies are matched against active signals
///   max_concurrent_optimizations: 3
///   optimization_timeout: 300          # seconds (or a duration: 5m): limit of each executor call
///   impact_threshold: 0.1              # the target must improve by at least 10 %
///   cooldown: 10m                      # per target, after an execution ends
///   rollback_backoff: 1h               # a policy rolled back on a target waits this long before retrying it there
///   max_actions_per_hour: 6
///   pending_ttl: 1h                    # recommendations and unapproved actions expire
///   history_limit: 10000               # executions kept in the history
///   api_token_file: secrets/optimizer.token   # required by approve/reject/rollback when listening beyond loopback
///   allowed_commands: [/opt/vigil/actions/*]  # programs command executors may run (absolute paths, * within a segment)
///   allowed_webhook_hosts: [ops.internal, "*.svc.cluster.local", "127.0.0.1:5080"]  # hosts webhook and tunable executors may reach
///   evaluation: { ... }                # OptimizationEvaluationConfig
///   executors: [ ... ]                 # OptimizationExecutorConfig
///   policies: [ ... ]                  # OptimizationPolicyConfig
/// </code>
/// Immutable; a reload builds a new instance.
/// </remarks>
public sealed record OptimizationConfig
{
    /// <summary>What the optimizer may do on its own; <see cref="OptimizationMode.Recommend"/> by default.</summary>
    public OptimizationMode Mode { get; init; } = OptimizationMode.Recommend;

    /// <summary>How often policies are matched against active signals; 15 seconds by default.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The most executions running at once; 3 by default (the seed's value).</summary>
    public int MaxConcurrentOptimizations { get; init; } = 3;

    /// <summary>The time limit of each executor call (capture, apply, rollback); 5 minutes by default (the seed's 300).</summary>
    public TimeSpan OptimizationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The relative improvement of the target an action must reach to be kept; 0.1 by default (the seed's value).</summary>
    public double ImpactThreshold { get; init; } = 0.1;

    /// <summary>The time a target rests after an execution on it ends; 10 minutes by default.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a policy that was rolled back on a target is not proposed there again (unless another change to the target is kept); 1 hour by default.</summary>
    public TimeSpan RollbackBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The most executions started per rolling hour; 6 by default.</summary>
    public int MaxActionsPerHour { get; init; } = 6;

    /// <summary>How long recommendations and actions awaiting approval stay pending; 1 hour by default.</summary>
    public TimeSpan PendingTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How many ended executions the history keeps; 10000 by default.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>The bearer token approve, reject and rollback need (read from <c>api_token_file</c>), or null.</summary>
    [Secret]
    public string? ApiToken { get; init; }

    /// <summary>
    /// The programs <c>command</c> executors may run: absolute paths or patterns (<c>*</c> within a path segment,
    /// <c>**</c> across); empty allows any absolute path.
    /// </summary>
    public IReadOnlyList<string> AllowedCommands { get; init; } = [];

    /// <summary>
    /// The hosts <c>webhook</c> and <c>tunable</c> executors may send requests to: names, addresses, <c>*.domain</c>,
    /// optionally with <c>:port</c>; empty allows any host.
    /// </summary>
    public IReadOnlyList<string> AllowedWebhookHosts { get; init; } = [];

    /// <summary>Evaluation defaults.</summary>
    public OptimizationEvaluationConfig Evaluation { get; init; } = new();

    /// <summary>The executors.</summary>
    public IReadOnlyList<OptimizationExecutorConfig> Executors { get; init; } = [];

    /// <summary>The policies, in file order.</summary>
    public IReadOnlyList<OptimizationPolicyConfig> Policies { get; init; } = [];

    /// <summary>Objectives for the lever decider: a target, constraints and the levers it may turn (see <see cref="OptimizationObjectiveConfig"/>).</summary>
    public IReadOnlyList<OptimizationObjectiveConfig> Objectives { get; init; } = [];
}
