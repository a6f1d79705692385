using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>
/// The one place where executions change: holds the current (immutable) version of every execution, moves them only
/// along <see cref="LifecycleTable"/>, and journals every new version before anyone else can see it.
/// </summary>
/// <remarks>
/// Thread-safe; <see cref="Sync"/> is the lock for a caller that must check and transition atomically (approve checks the
/// limits, then transitions). Nothing outside this class can change an execution: the records have no setters.
/// </remarks>
internal sealed class ExecutionLifecycle
{
    private readonly List<OptimizationExecution> _executions = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly OptimizerMetrics _metrics;
    private OptimizationJournal? _journal;

    public ExecutionLifecycle(TimeProvider clock, OptimizerMetrics metrics)
    {
        _clock = clock;
        _metrics = metrics;
    }

    /// <summary>The lock every read and transition takes (reentrant).</summary>
    public object Sync { get; } = new();

    /// <summary>The journal in use, or null before <see cref="Load"/>.</summary>
    public OptimizationJournal? Journal => _journal;

    /// <summary>The number of executions held.</summary>
    public int Count
    {
        get
        {
            lock (Sync)
            {
                return _executions.Count;
            }
        }
    }

    /// <summary>Takes over <paramref name="journal"/> and the executions it held (oldest first).</summary>
    public void Load(OptimizationJournal journal, IEnumerable<OptimizationExecution> loaded)
    {
        lock (Sync)
        {
            _journal = journal;
            foreach (var e in loaded)
            {
                if (_index.TryGetValue(e.Id, out int i))
                {
                    _executions[i] = e;
                }
                else
                {
                    _index[e.Id] = _executions.Count;
                    _executions.Add(e);
                }
            }
        }
    }

    /// <summary>Every execution, oldest first (the list is a copy; its items are immutable).</summary>
    public List<OptimizationExecution> Snapshot()
    {
        lock (Sync)
        {
            return [.. _executions];
        }
    }

    /// <summary>The current version of execution <paramref name="id"/> (exact id).</summary>
    /// <exception cref="KeyNotFoundException">No such execution.</exception>
    public OptimizationExecution Get(string id)
    {
        lock (Sync)
        {
            return _executions[_index[id]];
        }
    }

    /// <summary>The execution with id <paramref name="id"/> (or the only one whose id starts with it, at least 4 characters), or null.</summary>
    /// <exception cref="OptimizerException">The prefix matches more than one execution.</exception>
    public OptimizationExecution? Find(string id)
    {
        lock (Sync)
        {
            if (_index.TryGetValue(id, out int i))
            {
                return _executions[i];
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
    }

    /// <summary>Adds a new execution; it must be <see cref="ExecutionState.Proposed"/>. Journals it.</summary>
    public OptimizationExecution Propose(OptimizationExecution execution, string note)
    {
        if (ExecutionState.Of(execution) != ExecutionState.Proposed)
        {
            throw new InvalidOperationException($"a new execution must be proposed, not {ExecutionState.Of(execution)}");
        }
        lock (Sync)
        {
            if (_index.ContainsKey(execution.Id))
            {
                throw new InvalidOperationException($"execution {execution.Id} exists");
            }
            var e = execution with { Notes = [.. execution.Notes, new ExecutionNote(_clock.GetUtcNow(), note)] };
            _index[e.Id] = _executions.Count;
            _executions.Add(e);
            Persist(e, statusChanged: true);
            return e;
        }
    }

    /// <summary>
    /// Moves execution <paramref name="id"/> to <paramref name="to"/> if the table allows it from its current state;
    /// <paramref name="change"/> sets the other fields of the new version, <paramref name="note"/> is appended to its notes,
    /// and an ended state gets its end time. Journals the new version and returns it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table does not allow the transition (a bug in the caller).</exception>
    public OptimizationExecution Transition(string id, ExecutionState to, string? note = null, Func<OptimizationExecution, OptimizationExecution>? change = null)
    {
        lock (Sync)
        {
            int i = _index[id];
            var current = _executions[i];
            var from = ExecutionState.Of(current);
            if (!LifecycleTable.Allows(from, to))
            {
                throw new InvalidOperationException($"optimization {id}: no transition from {from} to {to}");
            }
            var next = change is null ? current : change(current);
            if (ExecutionState.Of(next) != from || next.Id != current.Id || !ReferenceEquals(next.Action, current.Action))
            {
                throw new InvalidOperationException($"optimization {id}: a transition's change may not set the state, id or action");
            }
            var now = _clock.GetUtcNow();
            next = next with
            {
                Status = to.Status,
                Phase = to.Phase,
                StartTime = to == ExecutionState.Capturing ? now : next.StartTime,
                EndTime = to.Phase == Model.ExecutionPhase.Finished ? now : to == ExecutionState.RollingBack && from == ExecutionState.Kept ? null : next.EndTime,
                Notes = note is null ? next.Notes : [.. next.Notes, new ExecutionNote(now, note)],
            };
            _executions[i] = next;
            Persist(next, statusChanged: to.Status != from.Status);
            return next;
        }
    }

    /// <summary>Records facts about execution <paramref name="id"/> that do not change its state (a note, evidence); journals it.</summary>
    public OptimizationExecution Record(string id, string? note = null, Func<OptimizationExecution, OptimizationExecution>? change = null)
    {
        lock (Sync)
        {
            int i = _index[id];
            var current = _executions[i];
            var next = change is null ? current : change(current);
            if (ExecutionState.Of(next) != ExecutionState.Of(current) || next.Id != current.Id || !ReferenceEquals(next.Action, current.Action))
            {
                throw new InvalidOperationException($"optimization {id}: a record may not change the state, id or action");
            }
            if (note is not null)
            {
                next = next with { Notes = [.. next.Notes, new ExecutionNote(_clock.GetUtcNow(), note)] };
            }
            _executions[i] = next;
            Persist(next, statusChanged: false);
            return next;
        }
    }

    /// <summary>Drops the oldest ended executions beyond <paramref name="limit"/> and compacts the journal when it has grown.</summary>
    public void Trim(int limit)
    {
        lock (Sync)
        {
            int ended = _executions.Count(e => e.IsTerminal);
            if (ended > limit)
            {
                var kept = new List<OptimizationExecution>(_executions.Count);
                foreach (var e in _executions)
                {
                    if (e.IsTerminal && ended > limit)
                    {
                        ended--;
                        continue;
                    }
                    kept.Add(e);
                }
                _executions.Clear();
                _index.Clear();
                foreach (var e in kept)
                {
                    _index[e.Id] = _executions.Count;
                    _executions.Add(e);
                }
            }
            if (_journal is not null && _journal.NeedsCompaction(_executions.Count))
            {
                _journal.Compact(_executions);
            }
        }
    }

    private void Persist(OptimizationExecution e, bool statusChanged)
    {
        _journal?.Append(e);
        if (statusChanged)
        {
            _metrics.StatusReached(e);
        }
    }
}
