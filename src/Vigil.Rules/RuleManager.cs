using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Rules;

/// <summary>
/// Loads rule groups and evaluates each on its own interval, appending results to storage and handing alerts to the
/// notifier. <see cref="ApplyAsync"/> replaces the rule set: at first start an invalid group is reported and the others
/// load; later an invalid set is rejected as a whole and the running one stays. Rules that are unchanged (same group,
/// kind, name, labels and expression) keep their alert state across a reload.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="ApplyAsync"/>, <see cref="Groups"/> and <see cref="Alerts"/> may be called from any thread while
/// group loops run. Dispose (or <see cref="StopAsync"/>) stops every loop, waiting for evaluations in flight.
/// </remarks>
public sealed class RuleManager : IAsyncDisposable
{
    private readonly IStorage _storage;
    private readonly PromQLEngine _engine;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Action<AlertingRule, List<Alert>>? _notify;
    private readonly RuleMetrics _metrics;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _groupsLock = new();
    private List<GroupRunner> _runners = new();
    private RuleManagerOptions _options = new();
    private bool _applied;
    private bool _started;

    /// <summary>Creates a manager over <paramref name="storage"/>; nothing is evaluated until <see cref="Start"/>.</summary>
    /// <param name="storage">Where rules query and write.</param>
    /// <param name="engine">The PromQL engine.</param>
    /// <param name="notify">Receives alerts due for notification (called on group loops; must not block).</param>
    /// <param name="logger">Logs load errors and failed evaluations.</param>
    /// <param name="clock">The clock for evaluation times (tests pass a manual one).</param>
    public RuleManager(IStorage storage, PromQLEngine engine, Action<AlertingRule, List<Alert>>? notify = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _notify = notify;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _metrics = new RuleMetrics(LastEvaluations);
    }

    /// <summary>The options of the rule set in force.</summary>
    public RuleManagerOptions Options
    {
        get
        {
            lock (_groupsLock)
            {
                return _options;
            }
        }
    }

    /// <summary>The groups in force, in load order.</summary>
    public IReadOnlyList<RuleGroup> Groups
    {
        get
        {
            lock (_groupsLock)
            {
                return _runners.Select(r => r.Group).ToList();
            }
        }
    }

    /// <summary>Every pending or firing alert of every alerting rule (resolved ones are left out), with the rule.</summary>
    public IReadOnlyList<(AlertingRule Rule, Alert Alert)> Alerts()
    {
        var result = new List<(AlertingRule, Alert)>();
        foreach (var g in Groups)
        {
            foreach (var r in g.Rules)
            {
                if (r is AlertingRule ar)
                {
                    foreach (var a in ar.ActiveAlerts())
                    {
                        if (a.State != AlertState.Inactive)
                        {
                            result.Add((ar, a));
                        }
                    }
                }
            }
        }
        return result;
    }

    /// <summary>
    /// Loads the rule set <paramref name="options"/> describes and puts it in force. Returns the problems found. At the
    /// first call invalid groups are left out and the rest load; at later calls any problem rejects the whole set
    /// (a <see cref="RuleLoadException"/>) and the running set stays.
    /// </summary>
    public async Task<IReadOnlyList<RuleFileError>> ApplyAsync(RuleManagerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EvaluationInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("the evaluation interval must be positive", nameof(options));
        }
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var loaded = RuleLoader.Read(options);
            bool initial = !_applied;
            if (!initial && loaded.Errors.Count > 0)
            {
                throw new RuleLoadException(loaded.Errors);
            }
            foreach (var e in loaded.Errors)
            {
                _logger.LogError("Loading rules: {Error}", e.ToString());
            }
            var newGroups = new List<RuleGroup>();
            foreach (var spec in loaded.Groups)
            {
                newGroups.Add(RuleLoader.Build(spec, options));
            }
            await SwapAsync(newGroups, options, restore: initial).ConfigureAwait(false);
            _applied = true;
            _logger.LogInformation("Rules loaded: {Groups} groups, {Rules} rules from {Files} files", newGroups.Count,
                newGroups.Sum(g => g.Rules.Count), loaded.Files.Count);
            return loaded.Errors;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Starts a loop per group (and for groups applied later).</summary>
    public void Start()
    {
        lock (_groupsLock)
        {
            if (_started)
            {
                return;
            }
            _started = true;
            foreach (var r in _runners)
            {
                r.Start();
            }
        }
    }

    /// <summary>Stops all loops, waiting for evaluations in flight.</summary>
    public async Task StopAsync()
    {
        List<GroupRunner> runners;
        lock (_groupsLock)
        {
            runners = _runners;
            _started = false;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var r in runners)
        {
            await r.StopAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _metrics.Dispose();
        _stop.Dispose();
        _applyLock.Dispose();
    }

    /// <summary>Evaluates every group once at <paramref name="tsMs"/> (tests and <c>vigil test rules</c> drive time this way).</summary>
    internal void EvaluateAllAt(long tsMs)
    {
        List<GroupRunner> runners;
        lock (_groupsLock)
        {
            runners = _runners;
        }
        foreach (var r in runners)
        {
            r.EvaluateOnce(tsMs, _stop.Token);
        }
    }

    private RuleGroupContext CreateContext(RuleManagerOptions options) => new(
        new RuleContext(_engine, _storage, options.ExternalLabels, options.ExternalUrl), _storage, _logger)
    {
        Metrics = _metrics,
        Notify = _notify,
        ResendDelay = options.ResendDelay,
    };

    private async Task SwapAsync(List<RuleGroup> newGroups, RuleManagerOptions options, bool restore)
    {
        var ctx = CreateContext(options);
        List<GroupRunner> old;
        lock (_groupsLock)
        {
            old = _runners;
        }
        var oldByKey = new Dictionary<string, GroupRunner>(StringComparer.Ordinal);
        foreach (var r in old)
        {
            oldByKey.TryAdd(r.Group.Key, r);
        }
        // Stop the old loops first so no evaluation runs while state is copied.
        foreach (var r in old)
        {
            await r.StopAsync().ConfigureAwait(false);
        }
        var runners = new List<GroupRunner>(newGroups.Count);
        foreach (var g in newGroups)
        {
            bool restoreThis = restore;
            if (oldByKey.Remove(g.Key, out var previous))
            {
                g.CopyStateFrom(previous.Group);
                restoreThis = false;
            }
            else if (!restore)
            {
                foreach (var r in g.Rules)
                {
                    if (r is AlertingRule ar)
                    {
                        ar.Restored = true;
                    }
                }
            }
            runners.Add(new GroupRunner(g, ctx, _clock, _metrics, _logger, restoreThis, options));
        }
        long now = Timestamp.Now(_clock);
        foreach (var gone in oldByKey.Values)
        {
            try
            {
                gone.Group.MarkStale(_storage, now);
            }
            catch (StorageException e)
            {
                _logger.LogWarning("Marking the series of removed rule group {Group} stale failed: {Error}", gone.Group.Name, e.Message);
            }
        }
        lock (_groupsLock)
        {
            _runners = runners;
            _options = options;
            if (_started)
            {
                foreach (var r in runners)
                {
                    r.Start();
                }
            }
        }
    }

    private IEnumerable<Measurement<double>> LastEvaluations()
    {
        foreach (var g in Groups)
        {
            if (g.LastEvaluationMs is { } t)
            {
                yield return new Measurement<double>(t / 1000.0, new KeyValuePair<string, object?>("rule_group", g.File + ";" + g.Name));
            }
        }
    }

    /// <summary>Runs one group's evaluation loop.</summary>
    private sealed class GroupRunner(RuleGroup group, RuleGroupContext ctx, TimeProvider clock, RuleMetrics metrics, ILogger logger, bool restore, RuleManagerOptions options)
    {
        private readonly object _evalLock = new();
        private CancellationTokenSource? _cts;
        private Task? _loop;
        private bool _restorePending = restore;

        public RuleGroup Group { get; } = group;

        public void Start()
        {
            _cts = new CancellationTokenSource();
            var token = _cts.Token;
            _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        }

        public async Task StopAsync()
        {
            if (_cts is null || _loop is null)
            {
                return;
            }
            await _cts.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected on stop.
            }
            _cts.Dispose();
            _cts = null;
            _loop = null;
        }

        public void EvaluateOnce(long tsMs, CancellationToken ct)
        {
            lock (_evalLock)
            {
                Group.Evaluate(ctx, tsMs, ct);
                if (_restorePending)
                {
                    _restorePending = false;
                    Restore(tsMs);
                }
            }
        }

        private void Restore(long tsMs)
        {
            foreach (var r in Group.Rules)
            {
                if (r is AlertingRule ar)
                {
                    try
                    {
                        ar.RestoreForState(ctx.Rules.Queryable, tsMs, options.OutageTolerance, options.ForGracePeriod);
                    }
                    catch (StorageException e)
                    {
                        logger.LogWarning("Restoring the 'for' state of alert {Alert} failed: {Error}", ar.Name, e.Message);
                    }
                }
            }
        }

        private async Task RunAsync(CancellationToken ct)
        {
            long interval = (long)Group.Interval.TotalMilliseconds;
            long next = Group.EvalTimestamp(Timestamp.Now(clock)) + interval;
            var groupTag = new KeyValuePair<string, object?>("rule_group", Group.File + ";" + Group.Name);
            while (!ct.IsCancellationRequested)
            {
                long now = Timestamp.Now(clock);
                if (next > now)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(next - now), clock, ct).ConfigureAwait(false);
                    now = Timestamp.Now(clock);
                }
                long missed = (now - next) / interval;
                if (missed > 0)
                {
                    metrics.MissedIterations.Add(missed, groupTag);
                    next += missed * interval;
                }
                try
                {
                    EvaluateOnce(next, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    logger.LogError(e, "Evaluating rule group {Group} failed", Group.Name);
                }
                next += interval;
            }
        }
    }
}
