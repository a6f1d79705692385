using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.History;
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
    private readonly object _lock = new();
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
    private readonly List<OptimizationExecution> _executions = new();
    private readonly Dictionary<string, OptimizationExecution> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Runner> _runners = new(StringComparer.Ordinal);
    private Configured _configured;
    private OptimizationJournal? _journal;
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
    }

    /// <summary>The configuration in force.</summary>
    public OptimizationConfig Config => Volatile.Read(ref _configured).Config;

    /// <summary>The journal file, or null when the history is kept in memory.</summary>
    public string? HistoryPath => _journal?.Path;

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
        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("the optimizer is already started");
            }
            _started = true;
            _startedAt = _clock.GetUtcNow();
            _journal = OptimizationJournal.Open(_dataDirectory, _logger, out var loaded);
            _audit = AuditLog.Open(_dataDirectory, _logger);
            foreach (var e in loaded)
            {
                _executions.Add(e);
                _byId[e.Id] = e;
            }
            if (loaded.Count > 0)
            {
                _logger.LogInformation("Optimizer history: {Count} executions loaded from {Path}", loaded.Count, _journal.Path);
            }
            Recover();
            _timer = new PeriodicTimer(Config.Interval, _clock);
        }
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Stops the loop and the executions where they are; a later start continues from the journal.</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            running = [.. _runners.Values.Select(r => r.Task)];
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        lock (_lock)
        {
            _journal?.Dispose();
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

    /// <summary>Every execution in the history, newest first (snapshots).</summary>
    public IReadOnlyList<OptimizationExecution> Executions()
    {
        lock (_lock)
        {
            var list = new List<OptimizationExecution>(_executions.Count);
            for (int i = _executions.Count - 1; i >= 0; i--)
            {
                list.Add(_executions[i].Clone());
            }
            return list;
        }
    }

    /// <summary>The execution with id <paramref name="id"/> (or the only one whose id starts with it), or null.</summary>
    /// <exception cref="OptimizerException">The prefix matches more than one execution.</exception>
    public OptimizationExecution? Find(string id)
    {
        lock (_lock)
        {
            return FindLocked(id)?.Clone();
        }
    }

    /// <summary>Starts a pending action that waits for approval; <paramref name="actor"/> is recorded.</summary>
    /// <exception cref="OptimizerException">Unknown id, not awaiting approval, or the target or limits do not allow it now.</exception>
    public OptimizationExecution Approve(string id, string actor)
    {
        var configured = Volatile.Read(ref _configured);
        lock (_lock)
        {
            var e = FindLocked(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            if (e.Status != ExecutionStatus.Pending)
            {
                throw new OptimizerException($"optimization {e.Id} is {e.Status}, not pending");
            }
            if (e.Mode != OptimizationMode.Approve)
            {
                throw new OptimizerException($"optimization {e.Id} is a recommendation ({e.Mode} mode) and cannot be executed; set the mode to approve or auto");
            }
            var policy = configured.Policies.FirstOrDefault(p => p.Name == e.Action.Policy)
                ?? throw new OptimizerException($"policy {e.Action.Policy} of optimization {e.Id} is no longer configured");
            if (!configured.Executors.TryGetValue(e.Action.Executor, out var executor))
            {
                throw new OptimizerException($"executor {e.Action.Executor} of optimization {e.Id} is no longer configured");
            }
            if (_executions.Any(x => x.Status == ExecutionStatus.Running && x.Action.Target == e.Action.Target))
            {
                throw new OptimizerException($"another optimization is running on {e.Action.Target}; approve again when it has ended");
            }
            int running = _executions.Count(x => x.Status == ExecutionStatus.Running);
            if (running >= configured.Config.MaxConcurrentOptimizations)
            {
                throw new OptimizerException($"{running} optimizations are running (max_concurrent_optimizations is {configured.Config.MaxConcurrentOptimizations})");
            }
            var hourAgo = _clock.GetUtcNow() - TimeSpan.FromHours(1);
            int applied = _executions.Count(x => x.AppliedAt > hourAgo);
            if (applied >= configured.Config.MaxActionsPerHour)
            {
                throw new OptimizerException($"{applied} actions were applied in the last hour (max_actions_per_hour is {configured.Config.MaxActionsPerHour})");
            }
            AddNote(e, "approved by " + actor);
            e.Status = ExecutionStatus.Running;
            e.Phase = ExecutionPhase.Capturing;
            e.StartTime = _clock.GetUtcNow();
            PersistLocked(e, statusChanged: true);
            StartRunnerLocked(e, executor, policy, ExecutionPhase.Capturing, ExecutionStatus.RolledBack);
            return e.Clone();
        }
    }

    /// <summary>Rejects a pending action or recommendation.</summary>
    /// <exception cref="OptimizerException">Unknown id or not pending.</exception>
    public OptimizationExecution Reject(string id, string actor, string? reason = null)
    {
        lock (_lock)
        {
            var e = FindLocked(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            if (e.Status != ExecutionStatus.Pending)
            {
                throw new OptimizerException($"optimization {e.Id} is {e.Status}, not pending");
            }
            e.Status = ExecutionStatus.Rejected;
            e.Phase = ExecutionPhase.Finished;
            e.EndTime = _clock.GetUtcNow();
            AddNote(e, "rejected by " + actor + (string.IsNullOrWhiteSpace(reason) ? string.Empty : ": " + reason));
            PersistLocked(e, statusChanged: true);
            return e.Clone();
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
        lock (_lock)
        {
            var e = FindLocked(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            switch (e.Status)
            {
                case ExecutionStatus.Running:
                    if (!_runners.TryGetValue(e.Id, out var runner) || e.Phase == ExecutionPhase.RollingBack)
                    {
                        throw new OptimizerException($"optimization {e.Id} is already rolling back");
                    }
                    runner.RollbackBy = actor;
                    AddNote(e, "rollback asked by " + actor);
                    PersistLocked(e, statusChanged: false);
                    runner.Abort.Cancel();
                    return e.Clone();
                case ExecutionStatus.Completed:
                    var later = _executions.FirstOrDefault(x => x != e && x.Action.Target == e.Action.Target && x.AppliedAt > e.AppliedAt
                        && x.Status is ExecutionStatus.Completed or ExecutionStatus.Running);
                    if (later is not null)
                    {
                        throw new OptimizerException($"optimization {later.Id} changed {e.Action.Target} later and is still in force; roll it back first");
                    }
                    if (!configured.Executors.TryGetValue(e.Action.Executor, out var executor))
                    {
                        throw new OptimizerException($"executor {e.Action.Executor} of optimization {e.Id} is no longer configured");
                    }
                    AddNote(e, "rollback asked by " + actor);
                    e.Status = ExecutionStatus.Running;
                    e.Phase = ExecutionPhase.RollingBack;
                    e.EndTime = null;
                    PersistLocked(e, statusChanged: true);
                    StartRunnerLocked(e, executor, null, ExecutionPhase.RollingBack, ExecutionStatus.RolledBack);
                    return e.Clone();
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
            lock (_lock)
            {
                var e = FindLocked(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
                if (e.IsTerminal || _stopped)
                {
                    return e.Clone();
                }
                task = _runners.TryGetValue(e.Id, out var r) ? r.Task : null;
            }
            await (task ?? Task.Delay(TimeSpan.FromMilliseconds(100), ct)).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private Configured Build(OptimizationConfig config)
    {
        var executors = new Dictionary<string, IOptimizationExecutor>(StringComparer.Ordinal);
        var allow = new ExecutorAllowList(config.AllowedCommands, config.AllowedWebhookHosts);
        foreach (var ec in config.Executors)
        {
            IOptimizationExecutor executor = ec.Type switch
            {
                OptimizationExecutorKind.Webhook => new WebhookExecutor(ec, _http, allow),
                OptimizationExecutorKind.Command => new CommandExecutor(ec, allow),
                OptimizationExecutorKind.Tunable => new TunableExecutor(ec, _http, allow),
                OptimizationExecutorKind.Config => new ConfigExecutor(ec, _live
                    ?? throw new ArgumentException($"executor {ec.Name}: this server has no live settings to change")),
                _ => throw new ArgumentException($"executor {ec.Name}: unknown type {ec.Type}"),
            };
            if (!executors.TryAdd(ec.Name, executor))
            {
                throw new ArgumentException($"two executors are named {ec.Name}");
            }
        }
        var policies = new List<CompiledPolicy>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pc in config.Policies)
        {
            if (!names.Add(pc.Name))
            {
                throw new ArgumentException($"two policies are named {pc.Name}");
            }
            if (!executors.ContainsKey(pc.Action.Executor))
            {
                throw new ArgumentException($"policy {pc.Name}: no executor named {pc.Action.Executor}");
            }
            policies.Add(new CompiledPolicy(pc, config, policies.Count));
        }
        return new Configured(config, executors, policies);
    }

    private OptimizationExecution? FindLocked(string id)
    {
        if (_byId.TryGetValue(id, out var e))
        {
            return e;
        }
        if (id.Length < 4)
        {
            return null;
        }
        OptimizationExecution? found = null;
        foreach (var x in _executions)
        {
            if (x.Id.StartsWith(id, StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    throw new OptimizerException($"more than one optimization id starts with {id}; give more characters");
                }
                found = x;
            }
        }
        return found;
    }

    private string NewId() => Guid.CreateVersion7(_clock.GetUtcNow()).ToString("N");

    private void AddNote(OptimizationExecution e, string text) => e.Notes.Add(new ExecutionNote(_clock.GetUtcNow(), text));

    /// <summary>Journals <paramref name="e"/> and counts a status change; call with <see cref="_lock"/> held.</summary>
    private void PersistLocked(OptimizationExecution e, bool statusChanged)
    {
        _journal?.Append(e);
        if (statusChanged)
        {
            _metrics.StatusReached(e);
        }
    }

    /// <summary>Applies <paramref name="change"/> to <paramref name="e"/> under the lock and journals it.</summary>
    private void Transition(OptimizationExecution e, Action<OptimizationExecution> change)
    {
        lock (_lock)
        {
            var before = e.Status;
            change(e);
            PersistLocked(e, e.Status != before);
        }
    }

    private async Task LoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            // Note: the first pass waits one interval, so that rules have evaluated (and restored) their alerts after a start.
            while (await _timer!.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await _decideLock.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    DecideOnce();
                    Housekeeping();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Optimizer pass failed");
                }
                finally
                {
                    _decideLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    private List<OptimizationExecution> DecideOnce()
    {
        var created = new List<OptimizationExecution>();
        var configured = Volatile.Read(ref _configured);
        if (configured.Config.Mode == OptimizationMode.Off || configured.Policies.Count == 0)
        {
            return created;
        }
        ExpirePending(configured.Config);
        var signals = new List<OptimizationSignal>();
        foreach (var source in _sources)
        {
            try
            {
                signals.AddRange(source.ActiveSignals());
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Signal source {Source} failed", source.GetType().Name);
            }
        }
        if (signals.Count == 0)
        {
            return created;
        }
        lock (_lock)
        {
            if (_stopped)
            {
                return created;
            }
            var proposals = _decider.Decide(configured.Config, configured.Policies, signals, _executions, _clock.GetUtcNow(), NewId, _startedAt);
            foreach (var p in proposals)
            {
                var now = _clock.GetUtcNow();
                var e = new OptimizationExecution
                {
                    Id = NewId(),
                    Action = p.Action,
                    Mode = p.Mode,
                    Status = ExecutionStatus.Pending,
                    Phase = ExecutionPhase.Proposed,
                    Trigger = p.Signal,
                    CreatedAt = now,
                };
                _executions.Add(e);
                _byId.Add(e.Id, e);
                AddNote(e, p.Mode switch
                {
                    OptimizationMode.Auto => "proposed and started (auto mode)",
                    OptimizationMode.Approve => "proposed; waiting for approval",
                    _ => "recommended (recommend mode: nothing will be changed)",
                });
                PersistLocked(e, statusChanged: true);
                if (p.Mode == OptimizationMode.Auto)
                {
                    e.Status = ExecutionStatus.Running;
                    e.Phase = ExecutionPhase.Capturing;
                    e.StartTime = now;
                    PersistLocked(e, statusChanged: true);
                    StartRunnerLocked(e, configured.Executors[p.Action.Executor], p.Policy, ExecutionPhase.Capturing, ExecutionStatus.RolledBack);
                }
                _logger.LogInformation("Optimization {Id} ({Mode}): {Description}", e.Id, p.Mode, p.Action.Description);
                created.Add(e.Clone());
            }
        }
        return created;
    }

    private void ExpirePending(OptimizationConfig config)
    {
        lock (_lock)
        {
            var now = _clock.GetUtcNow();
            foreach (var e in _executions)
            {
                if (e.Status == ExecutionStatus.Pending && e.CreatedAt + config.PendingTtl <= now)
                {
                    e.Status = ExecutionStatus.Rejected;
                    e.Phase = ExecutionPhase.Finished;
                    e.EndTime = now;
                    AddNote(e, "expired: pending longer than pending_ttl (" + PrometheusDuration.Format(config.PendingTtl) + ")");
                    PersistLocked(e, statusChanged: true);
                }
            }
        }
    }

    /// <summary>Trims the history to <c>history_limit</c> ended executions and compacts the journal when it has grown.</summary>
    private void Housekeeping()
    {
        int limit = Config.HistoryLimit;
        lock (_lock)
        {
            int ended = _executions.Count(e => e.IsTerminal);
            for (int i = 0; i < _executions.Count && ended > limit;)
            {
                if (_executions[i].IsTerminal)
                {
                    _byId.Remove(_executions[i].Id);
                    _executions.RemoveAt(i);
                    ended--;
                }
                else
                {
                    i++;
                }
            }
            if (_journal is not null && _journal.NeedsCompaction(_executions.Count))
            {
                _journal.Compact(_executions);
            }
        }
    }

    /// <summary>The configuration in force with its executors and compiled policies.</summary>
    private sealed record Configured(OptimizationConfig Config, IReadOnlyDictionary<string, IOptimizationExecutor> Executors, IReadOnlyList<CompiledPolicy> Policies);

    /// <summary>A running execution's task and the means to interrupt its waiting for a user's rollback.</summary>
    private sealed class Runner
    {
        public CancellationTokenSource Abort { get; } = new();

        public string? RollbackBy { get; set; }

        public Task Task { get; set; } = Task.CompletedTask;
    }
}
