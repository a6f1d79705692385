using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Lifecycle;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Engine;

namespace Vigil.Optimizer;

/// <summary>
/// The closed loop (the seed's <c>PerformanceOptimizer</c>): on every interval it matches active signals against the
/// policies, proposes actions, and — in <c>auto</c> mode or once approved — captures the value an action changes,
/// applies it, waits for the settle time and the observation window, evaluates the effect against the baseline, and
/// keeps the change or rolls it back. Every transition is journaled in the data directory first, so after a crash an
/// execution that was being applied is rolled back and one that was being observed is resumed.
/// </summary>
/// <remarks>
/// Thread-safe: the API's approve, reject and rollback may be called while the loop and executions run. Executions are
/// built only from configuration (start or <see cref="Reconfigure"/>), never from API input. Dispose stops the loop and
/// the executions where they are (the journal says where to continue); it never leaves a transition half-written.
/// </remarks>
public sealed partial class PerformanceOptimizer : IAsyncDisposable
{
    private readonly SemaphoreSlim _decideLock = new(1, 1);
    private readonly ISampleQueryable _storage;
    private readonly string? _dataDirectory;
    private readonly IReadOnlyList<IOptimizationSignalSource> _sources;
    private readonly ILiveSettings? _live;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly OptimizationDecider _decider;
    private readonly ImpactEvaluator _evaluator;
    private readonly OptimizerMetrics _metrics = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ExecutionLifecycle _lifecycle;
    private readonly ExecutionRunner _runner;
    private OptimizerSetup _configured;
    private AuditLog _audit;
    private PeriodicTimer? _timer;
    private Task? _loop;
    private bool _started;
    private DateTimeOffset _startedAt;
    private bool _stopped;

    /// <summary>Creates an optimizer; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="config">The <c>optimization:</c> section; executors and policies are validated here (<see cref="ArgumentException"/>).</param>
    /// <param name="storage">Where the evaluator queries target and guardrail metrics.</param>
    /// <param name="dataDirectory">Where the history journal lives; null keeps the history in memory.</param>
    /// <param name="sources">The signal sources (alerts, insights).</param>
    /// <param name="judge">The two-sample test of the evaluator.</param>
    /// <param name="logger">Logs decisions and outcomes.</param>
    /// <param name="clock">The clock (tests may pass another).</param>
    public PerformanceOptimizer(OptimizationConfig config, ISampleQueryable storage, string? dataDirectory,
        IReadOnlyList<IOptimizationSignalSource> sources, IStatisticalJudge judge, ILogger? logger = null, TimeProvider? clock = null)
        : this(config, storage, dataDirectory, sources, judge, null, logger, clock)
    {
    }

    /// <summary>Creates an optimizer that can also change Vigil's own live settings (the <c>config</c> executor).</summary>
    internal PerformanceOptimizer(OptimizationConfig config, ISampleQueryable storage, string? dataDirectory,
        IReadOnlyList<IOptimizationSignalSource> sources, IStatisticalJudge judge, ILiveSettings? live, ILogger? logger, TimeProvider? clock)
    {
        ArgumentNullException.ThrowIfNull(config);
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _dataDirectory = dataDirectory;
        _sources = sources ?? throw new ArgumentNullException(nameof(sources));
        _live = live;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _decider = new OptimizationDecider(_logger);
        _evaluator = new ImpactEvaluator(storage, new PromQLEngine(), judge ?? throw new ArgumentNullException(nameof(judge)));
        _configured = Build(config);
        _audit = AuditLog.Open(null, _logger);
        _lifecycle = new ExecutionLifecycle(_clock, _metrics);
        _runner = new ExecutionRunner(_lifecycle, _evaluator, _metrics, () => Volatile.Read(ref _audit), () => Config, _clock, _logger, _stop.Token);
    }

    /// <summary>The configuration in force.</summary>
    public OptimizationConfig Config => Volatile.Read(ref _configured).Config;

    /// <summary>The journal file, or null when the history is kept in memory.</summary>
    public string? HistoryPath => _lifecycle.Journal?.Path;

    /// <summary>The audit log file (<c>optimizer/audit.jsonl</c> in the data directory), or null when it is kept in memory.</summary>
    public string? AuditPath => _audit.Path;

    /// <summary>The newest audit entries (requests and executor calls), newest first.</summary>
    public IReadOnlyList<AuditEntry> AuditEntries(int limit) => _audit.Recent(limit);

    /// <summary>
    /// Records a request about execution <paramref name="id"/> (approve, reject, rollback) in the audit log, with the
    /// execution's policy, executor and target when it exists.
    /// </summary>
    public void AuditRequest(string principal, string action, string id, string result, string detail)
    {
        OptimizationExecution? e;
        try
        {
            e = Find(id);
        }
        catch (OptimizerException)
        {
            e = null;
        }
        _audit.Append(new AuditEntry(_clock.GetUtcNow(), principal, "request", action, e?.Id ?? id, result, detail)
        {
            Executor = e?.Action.Executor,
            Policy = e?.Action.Policy,
            Target = e?.Action.Target,
        });
    }

    /// <summary>Loads the history, rolls back or resumes executions a crash interrupted, and starts the loop.</summary>
    public void Start()
    {
        lock (_lifecycle.Sync)
        {
            if (_started)
            {
                throw new InvalidOperationException("the optimizer is already started");
            }
            _started = true;
            _startedAt = _clock.GetUtcNow();
            var journal = OptimizationJournal.Open(_dataDirectory, _logger, out var loaded);
            _audit = AuditLog.Open(_dataDirectory, _logger);
            _lifecycle.Load(journal, loaded);
            if (loaded.Count > 0)
            {
                _logger.LogInformation("Optimizer history: {Count} executions loaded from {Path}", loaded.Count, journal.Path);
            }
            ExecutionRecovery.Recover(_lifecycle, _runner, Volatile.Read(ref _configured), _logger);
            _timer = new PeriodicTimer(Config.Interval, _clock);
        }
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Stops the loop and the executions where they are; a later start continues from the journal.</summary>
    public async Task StopAsync()
    {
        lock (_lifecycle.Sync)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
        }
        var running = _runner.Running();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        lock (_lifecycle.Sync)
        {
            _lifecycle.Journal?.Dispose();
        }
        _audit.Dispose();
        _timer?.Dispose();
        _metrics.Dispose();
        _http.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _decideLock.Dispose();
    }

    /// <summary>
    /// Puts a new configuration in force (the reload hook). Running executions finish with the executor and policy they
    /// started with; throws <see cref="ArgumentException"/> and keeps the old configuration when the new one is invalid.
    /// </summary>
    public void Reconfigure(OptimizationConfig config)
    {
        var built = Build(config);
        Volatile.Write(ref _configured, built);
        if (_timer is not null)
        {
            _timer.Period = config.Interval;
        }
        _logger.LogInformation("Optimizer configuration: mode {Mode}, {Policies} policies, {Executors} executors",
            config.Mode, config.Policies.Count, config.Executors.Count);
    }

    /// <summary>Every execution in the history, newest first (immutable snapshots).</summary>
    public IReadOnlyList<OptimizationExecution> Executions()
    {
        var list = _lifecycle.Snapshot();
        list.Reverse();
        return list;
    }

    /// <summary>The execution with id <paramref name="id"/> (or the only one whose id starts with it), or null.</summary>
    /// <exception cref="OptimizerException">The prefix matches more than one execution.</exception>
    public OptimizationExecution? Find(string id) => _lifecycle.Find(id);

    /// <summary>Starts a pending action that waits for approval; <paramref name="actor"/> is recorded.</summary>
    /// <exception cref="OptimizerException">Unknown id, not awaiting approval, or the target or limits do not allow it now.</exception>
    public OptimizationExecution Approve(string id, string actor)
    {
        var configured = Volatile.Read(ref _configured);
        lock (_lifecycle.Sync)
        {
            var e = _lifecycle.Find(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            if (e.Status != ExecutionStatus.Pending)
            {
                throw new OptimizerException($"optimization {e.Id} is {e.Status}, not pending");
            }
            var executions = _lifecycle.Snapshot();
            if (e.Mode != OptimizationMode.Approve)
            {
                throw new OptimizerException($"optimization {e.Id} is a recommendation ({e.Mode} mode) and cannot be executed; set the mode to approve or auto");
            }
            var policy = configured.Policy(e.Action.Policy)
                ?? throw new OptimizerException($"policy {e.Action.Policy} of optimization {e.Id} is no longer configured");
            if (!configured.Executors.TryGetValue(e.Action.Executor, out var executor))
            {
                throw new OptimizerException($"executor {e.Action.Executor} of optimization {e.Id} is no longer configured");
            }
            if (executions.Any(x => x.Status == ExecutionStatus.Running && x.Action.Target == e.Action.Target))
            {
                throw new OptimizerException($"another optimization is running on {e.Action.Target}; approve again when it has ended");
            }
            int running = executions.Count(x => x.Status == ExecutionStatus.Running);
            if (running >= configured.Config.MaxConcurrentOptimizations)
            {
                throw new OptimizerException($"{running} optimizations are running (max_concurrent_optimizations is {configured.Config.MaxConcurrentOptimizations})");
            }
            var hourAgo = _clock.GetUtcNow() - TimeSpan.FromHours(1);
            int applied = executions.Count(x => x.AppliedAt > hourAgo);
            if (applied >= configured.Config.MaxActionsPerHour)
            {
                throw new OptimizerException($"{applied} actions were applied in the last hour (max_actions_per_hour is {configured.Config.MaxActionsPerHour})");
            }
            var approved = _lifecycle.Transition(e.Id, ExecutionState.Capturing, "approved by " + actor);
            _runner.Start(e.Id, executor, policy, ExecutionPhase.Capturing);
            return approved;
        }
    }

    /// <summary>Rejects a pending action or recommendation.</summary>
    /// <exception cref="OptimizerException">Unknown id or not pending.</exception>
    public OptimizationExecution Reject(string id, string actor, string? reason = null)
    {
        lock (_lifecycle.Sync)
        {
            var e = _lifecycle.Find(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            if (e.Status != ExecutionStatus.Pending)
            {
                throw new OptimizerException($"optimization {e.Id} is {e.Status}, not pending");
            }
            return _lifecycle.Transition(e.Id, ExecutionState.Rejected,
                "rejected by " + actor + (string.IsNullOrWhiteSpace(reason) ? string.Empty : ": " + reason));
        }
    }

    /// <summary>
    /// Undoes an execution: a running one stops observing and rolls back; a completed one is rolled back unless a later
    /// change to the same target is still in force (roll that back first).
    /// </summary>
    /// <exception cref="OptimizerException">Unknown id, or the execution cannot be rolled back in its state.</exception>
    public OptimizationExecution Rollback(string id, string actor)
    {
        var configured = Volatile.Read(ref _configured);
        lock (_lifecycle.Sync)
        {
            var e = _lifecycle.Find(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            switch (e.Status)
            {
                case ExecutionStatus.Running:
                    if (!_runner.AskRollback(e.Id, actor))
                    {
                        throw new OptimizerException($"optimization {e.Id} is already rolling back");
                    }
                    return _lifecycle.Get(e.Id);
                case ExecutionStatus.Completed:
                    var later = _lifecycle.Snapshot().FirstOrDefault(x => x != e && x.Action.Target == e.Action.Target && x.AppliedAt > e.AppliedAt
                        && x.Status is ExecutionStatus.Completed or ExecutionStatus.Running);
                    if (later is not null)
                    {
                        throw new OptimizerException($"optimization {later.Id} changed {e.Action.Target} later and is still in force; roll it back first");
                    }
                    if (!configured.Executors.TryGetValue(e.Action.Executor, out var executor))
                    {
                        throw new OptimizerException($"executor {e.Action.Executor} of optimization {e.Id} is no longer configured");
                    }
                    var rolling = _lifecycle.Transition(e.Id, ExecutionState.RollingBack, "rollback asked by " + actor);
                    _runner.Start(e.Id, executor, null, ExecutionPhase.RollingBack);
                    return rolling;
                default:
                    throw new OptimizerException($"optimization {e.Id} is {e.Status}; only running or completed optimizations can be rolled back");
            }
        }
    }

    /// <summary>Runs one decision pass now (the loop does this every interval) and returns the executions it created.</summary>
    public async Task<IReadOnlyList<OptimizationExecution>> DecideAsync(CancellationToken ct = default)
    {
        await _decideLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return DecideOnce();
        }
        finally
        {
            _decideLock.Release();
        }
    }

    /// <summary>Waits until the execution has ended (or stopped with the optimizer) and returns its snapshot.</summary>
    public async Task<OptimizationExecution> WaitForEndAsync(string id, CancellationToken ct = default)
    {
        while (true)
        {
            Task? task;
            lock (_lifecycle.Sync)
            {
                var e = _lifecycle.Find(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
                if (e.IsTerminal || _stopped)
                {
                    return e;
                }
                task = _runner.TaskOf(e.Id);
            }
            await (task ?? Task.Delay(TimeSpan.FromMilliseconds(100), ct)).WaitAsync(ct).ConfigureAwait(false);
        }
    }
}
