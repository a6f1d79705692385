using System.Diagnostics;
using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Profiling;

/// <summary>
/// Everything the profiler keeps for one tool: the rolling store of recent runs, the cumulative series for metrics, and
/// error-type and custom-counter totals. All of it is guarded by one lock, held for a few hundred nanoseconds per run.
/// </summary>
internal sealed class ToolState
{
    private const int InitialRuns = 64;

    private readonly Lock _lock = new();
    private readonly ToolProfiler _owner;
    private readonly int _maxRuns;
    private readonly ToolSeries _untagged = ToolSeries.Untagged();
    private readonly List<ToolSeries> _tagged = new();
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, ToolOutcome Outcome), long> _custom = new();
    private ToolSeries? _overflow;
    private ToolRun[] _runs;
    private int _next;
    private int _count;

    public ToolState(ToolProfiler owner, string name, int maxRuns)
    {
        _owner = owner;
        Name = name;
        _maxRuns = maxRuns;
        _runs = new ToolRun[Math.Min(InitialRuns, maxRuns)];
    }

    public string Name { get; }

    /// <summary>
    /// Exponential average (weight 1/16) of the duration of the tool's runs in seconds; +∞ before the first run, so a
    /// new tool's first synchronous run measures CPU time. Read without the lock (an aligned double is never torn).
    /// </summary>
    public double MeanDurationSeconds = double.PositiveInfinity;

    /// <summary>The profiler the tool belongs to.</summary>
    public ToolProfiler Owner => _owner;

    /// <summary>Stores the run and adds it to its series; returns the series the run was counted in.</summary>
    public ToolSeries Record(in ToolRun run, in TagList tags, bool hasTags, ScopeState? scope)
    {
        var o = _owner;
        lock (_lock)
        {
            Append(run);
            double mean = MeanDurationSeconds;
            MeanDurationSeconds = double.IsInfinity(mean) ? run.DurationSeconds : mean + ((run.DurationSeconds - mean) / 16);
            var series = hasTags ? Resolve(tags) : _untagged;
            var cells = series.Cells(run.Outcome, o.DurationBounds, o.CpuBounds, o.AllocatedBounds);
            cells.Runs++;
            cells.Duration.Observe(run.DurationSeconds, o.DurationBounds);
            if (!double.IsNaN(run.CpuSeconds))
            {
                cells.Cpu.Observe(run.CpuSeconds, o.CpuBounds);
            }
            if (run.AllocatedBytes >= 0)
            {
                cells.Allocated.Observe(run.AllocatedBytes, o.AllocatedBounds);
            }
            if (run.Exceptions > 0)
            {
                cells.Exceptions += run.Exceptions;
            }
            cells.CacheHits += run.CacheHits;
            cells.CacheMisses += run.CacheMisses;
            cells.IoOperations += run.IoOperations;
            cells.NetworkCalls += run.NetworkCalls;
            cells.Gen0 += run.Gen0Collections;
            cells.Gen1 += run.Gen1Collections;
            cells.Gen2 += run.Gen2Collections;
            if (run.Outcome == ToolOutcome.Failure)
            {
                AddCapped(_errors, run.ErrorType ?? "error", 1, DroppedReason.ErrorTypeLimit);
            }
            if (scope is not null && scope.CounterCount > 0)
            {
                var names = scope.CounterNames;
                var values = scope.CounterValues;
                for (int i = 0; i < names.Length; i++)
                {
                    AddCapped(_custom, (names[i], run.Outcome), values[i], DroppedReason.CounterLimit);
                }
            }
            return series;
        }
    }

    /// <summary>The stored runs that ended at or after <paramref name="sinceMs"/>, oldest first.</summary>
    public ToolRun[] RunsSince(long sinceMs)
    {
        lock (_lock)
        {
            int start = (_next - _count + _runs.Length) % _runs.Length;
            // Note: imported runs may carry older timestamps than live ones, so the whole ring is filtered.
            var result = new List<ToolRun>();
            for (int i = 0; i < _count; i++)
            {
                ref readonly var r = ref _runs[(start + i) % _runs.Length];
                if (r.TimestampMs >= sinceMs)
                {
                    result.Add(r);
                }
            }
            return [.. result];
        }
    }

    /// <summary>Adds the stored runs that ended at or after <paramref name="sinceMs"/> to <paramref name="builder"/>.</summary>
    public void Summarize(long sinceMs, SummaryBuilder builder)
    {
        lock (_lock)
        {
            builder.Reserve(_count);
            int start = (_next - _count + _runs.Length) % _runs.Length;
            for (int i = 0; i < _count; i++)
            {
                ref readonly var r = ref _runs[(start + i) % _runs.Length];
                if (r.TimestampMs >= sinceMs)
                {
                    builder.Add(r);
                }
            }
        }
    }

    /// <summary>A consistent copy of the cumulative series, error and custom-counter totals, for exposition.</summary>
    public ToolSnapshot Snapshot()
    {
        lock (_lock)
        {
            var series = new List<(ToolSeries Series, OutcomeCells?[] Cells)>(_tagged.Count + 2);
            Add(_untagged);
            foreach (var s in _tagged)
            {
                Add(s);
            }
            if (_overflow is not null)
            {
                Add(_overflow);
            }
            return new ToolSnapshot(Name, series, [.. _errors], [.. _custom]);

            void Add(ToolSeries s)
            {
                var cells = new OutcomeCells?[3];
                bool any = false;
                for (int i = 0; i < cells.Length; i++)
                {
                    cells[i] = s.PeekCells((ToolOutcome)i)?.Clone();
                    any |= cells[i] is not null;
                }
                if (any)
                {
                    series.Add((s, cells));
                }
            }
        }
    }

    /// <summary>Custom counter totals since the tool was first seen, summed over outcomes.</summary>
    public Dictionary<string, long> CustomTotals()
    {
        lock (_lock)
        {
            var totals = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var ((name, _), value) in _custom)
            {
                totals[name] = totals.GetValueOrDefault(name) + value;
            }
            return totals;
        }
    }

    private void Append(in ToolRun run)
    {
        if (_count == _runs.Length && _runs.Length < _maxRuns)
        {
            // Grow while the ring is still filling: the ring is full and contiguous from _next (which is 0 here).
            var bigger = new ToolRun[Math.Min(_runs.Length * 2, _maxRuns)];
            int start = _next;
            for (int i = 0; i < _count; i++)
            {
                bigger[i] = _runs[(start + i) % _runs.Length];
            }
            _runs = bigger;
            _next = _count;
        }
        _runs[_next] = run;
        _next = (_next + 1) % _runs.Length;
        if (_count < _runs.Length)
        {
            _count++;
        }
    }

    private ToolSeries Resolve(in TagList tags)
    {
        foreach (var s in _tagged)
        {
            if (s.Matches(tags))
            {
                return s;
            }
        }
        if (_tagged.Count < _owner.Options.MaxTagSetsPerTool)
        {
            var created = ToolSeries.FromTags(tags);
            _tagged.Add(created);
            return created;
        }
        _owner.CountDropped(DroppedReason.TagLimit);
        return _overflow ??= ToolSeries.Overflow();
    }

    private void AddCapped<TKey>(Dictionary<TKey, long> map, TKey key, long value, DroppedReason reason)
        where TKey : notnull
    {
        ref long slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(map, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            slot += value;
        }
        else if (map.Count < _owner.Options.MaxCounterNamesPerTool)
        {
            map.Add(key, value);
        }
        else
        {
            _owner.CountDropped(reason);
        }
    }
}

/// <summary>A copy of one tool's cumulative metrics taken under its lock.</summary>
internal sealed record ToolSnapshot(
    string Tool,
    List<(ToolSeries Series, OutcomeCells?[] Cells)> Series,
    KeyValuePair<string, long>[] Errors,
    KeyValuePair<(string Name, ToolOutcome Outcome), long>[] Custom);
