using System.Diagnostics;

namespace Vigil.Sdk.Profiling;

/// <summary>The mutable state behind a <see cref="ToolRunScope"/>; pooled per thread (<see cref="ProfilerThread"/>) so steady-state scopes allocate nothing.</summary>
internal sealed class ScopeState
{
    private readonly Lock _counterLock = new();
    private string[] _counterNames = [];
    private long[] _counterValues = [];

    /// <summary>Changes on every rent and return, so a stale copy of a handle is recognised.</summary>
    public int Version;

    public ToolProfiler Owner = null!;

    /// <summary>The per-thread state of the thread that started the scope.</summary>
    public ProfilerThread Thread = null!;
    public ToolState Tool = null!;
    public TagList Tags;
    public bool HasTags;
    public bool IsAsync;
    public long StartTimestamp;
    public long StartCpuNs;
    public long StartAllocated;
    public int StartGen0;
    public int StartGen1;
    public int StartGen2;
    public int StartExceptions;
    public ToolOutcome Outcome;
    public string? ErrorType;
    public long CacheHits;
    public long CacheMisses;
    public long IoOperations;
    public long NetworkCalls;
    public int CounterCount;

    /// <summary>The async frame measuring CPU, allocations and exceptions of an asynchronous run.</summary>
    public AsyncRunFrame? Frame;

    public ReadOnlySpan<string> CounterNames => _counterNames.AsSpan(0, CounterCount);

    public ReadOnlySpan<long> CounterValues => _counterValues.AsSpan(0, CounterCount);

    /// <summary>Clears the state and keeps it in <paramref name="current"/>'s pool, which must be the calling thread's.</summary>
    public void Return(ProfilerThread current)
    {
        unchecked
        {
            Version++;
        }
        Owner = null!;
        Tool = null!;
        Tags = default;
        HasTags = false;
        IsAsync = false;
        Frame = null;
        ErrorType = null;
        Outcome = ToolOutcome.Success;
        CacheHits = 0;
        CacheMisses = 0;
        IoOperations = 0;
        NetworkCalls = 0;
        if (CounterCount > 0)
        {
            Array.Clear(_counterNames, 0, CounterCount);
            CounterCount = 0;
        }
        Thread = null!;
        current.Return(this);
    }

    /// <summary>Adds <paramref name="value"/> to the user-defined counter <paramref name="name"/>.</summary>
    public void AddCounter(string name, long value)
    {
        lock (_counterLock)
        {
            for (int i = 0; i < CounterCount; i++)
            {
                if (string.Equals(_counterNames[i], name, StringComparison.Ordinal))
                {
                    _counterValues[i] += value;
                    return;
                }
            }
            if (CounterCount == _counterNames.Length)
            {
                int size = Math.Max(4, CounterCount * 2);
                Array.Resize(ref _counterNames, size);
                Array.Resize(ref _counterValues, size);
            }
            _counterNames[CounterCount] = name;
            _counterValues[CounterCount] = value;
            CounterCount++;
        }
    }
}
