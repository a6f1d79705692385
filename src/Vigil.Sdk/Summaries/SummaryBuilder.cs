using System.Buffers;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Summaries;

/// <summary>
/// Accumulates runs into a <see cref="ToolPerformanceSummary"/>: counters as they come, and the three measured columns
/// in pooled arrays that are sorted once at the end. Fed under the tool's lock straight from the rolling store, so a
/// summary copies three doubles per run instead of whole runs.
/// </summary>
internal sealed class SummaryBuilder : IDisposable
{
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private double[] _durations = [];
    private double[] _cpu = [];
    private double[] _allocated = [];
    private int _count;
    private int _cpuCount;
    private int _allocatedCount;
    private long _successes, _failures, _cancelled, _hits, _misses, _io, _network, _exceptions, _gen0, _gen1, _gen2;
    private long _first = long.MaxValue;
    private long _last = long.MinValue;

    /// <summary>Makes room for <paramref name="runs"/> more runs.</summary>
    public void Reserve(int runs)
    {
        Grow(ref _durations, _count + runs);
        Grow(ref _cpu, _cpuCount + runs);
        Grow(ref _allocated, _allocatedCount + runs);
    }

    /// <summary>Adds one run; <see cref="Reserve"/> must have made room for it.</summary>
    public void Add(in ToolRun r)
    {
        switch (r.Outcome)
        {
            case ToolOutcome.Success:
                _successes++;
                break;
            case ToolOutcome.Failure:
                _failures++;
                string type = r.ErrorType ?? "error";
                _errors[type] = _errors.GetValueOrDefault(type) + 1;
                break;
            default:
                _cancelled++;
                break;
        }
        _hits += r.CacheHits;
        _misses += r.CacheMisses;
        _io += r.IoOperations;
        _network += r.NetworkCalls;
        _exceptions += Math.Max(0, r.Exceptions);
        _gen0 += r.Gen0Collections;
        _gen1 += r.Gen1Collections;
        _gen2 += r.Gen2Collections;
        _first = Math.Min(_first, r.TimestampMs);
        _last = Math.Max(_last, r.TimestampMs);
        _durations[_count++] = r.DurationSeconds;
        if (!double.IsNaN(r.CpuSeconds))
        {
            _cpu[_cpuCount++] = r.CpuSeconds;
        }
        if (r.AllocatedBytes >= 0)
        {
            _allocated[_allocatedCount++] = r.AllocatedBytes;
        }
    }

    /// <summary>The summary of the runs added, or null when there were none.</summary>
    public ToolPerformanceSummary? Build(string tool, TimeSpan window, IReadOnlyDictionary<string, long> customTotals)
    {
        if (_count == 0)
        {
            return null;
        }
        return new ToolPerformanceSummary
        {
            Tool = tool,
            Window = window,
            FirstRunMs = _first,
            LastRunMs = _last,
            TotalExecutions = _count,
            Successes = _successes,
            Failures = _failures,
            Cancellations = _cancelled,
            ErrorRate = _failures / (double)_count,
            Duration = DistributionSummary.OfSortedInPlace(_durations.AsSpan(0, _count)),
            CpuTime = DistributionSummary.OfSortedInPlace(_cpu.AsSpan(0, _cpuCount)),
            AllocatedBytes = DistributionSummary.OfSortedInPlace(_allocated.AsSpan(0, _allocatedCount)),
            CacheHits = _hits,
            CacheMisses = _misses,
            CacheHitRatio = _hits + _misses == 0 ? double.NaN : _hits / (double)(_hits + _misses),
            IoOperations = _io,
            NetworkCalls = _network,
            Exceptions = _exceptions,
            GcCollections = [_gen0, _gen1, _gen2],
            ErrorTypes = _errors,
            CustomCountersTotal = customTotals,
        };
    }

    public void Dispose()
    {
        Return(ref _durations);
        Return(ref _cpu);
        Return(ref _allocated);
    }

    private static void Grow(ref double[] array, int size)
    {
        if (array.Length >= size)
        {
            return;
        }
        var bigger = ArrayPool<double>.Shared.Rent(size);
        array.AsSpan().CopyTo(bigger);
        Return(ref array);
        array = bigger;
    }

    private static void Return(ref double[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<double>.Shared.Return(array);
        }
        array = [];
    }
}
