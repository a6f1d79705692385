namespace Vigil.Sdk.Profiling;

/// <summary>
/// Everything the profiler keeps per thread, behind one thread-static reference: a scope reads it once at start and
/// keeps it, so its end needs no thread-local lookup at all.
/// </summary>
/// <remarks>
/// Note: thread statics in a library can cost a call to <c>__tls_get_addr</c> per access on Linux (measured with perf:
/// about 6 % of a scope when each field was its own thread static), so they are grouped here.
/// </remarks>
internal sealed class ProfilerThread
{
    private const int PoolSize = 16;

    [ThreadStatic]
    private static ProfilerThread? t_current;

    private readonly ScopeState[] _pool = new ScopeState[PoolSize];
    private int _poolCount;

    /// <summary>First-chance exceptions thrown on this thread so far.</summary>
    public int Exceptions;

    /// <summary>Counts scopes of short tools toward the next CPU-time sample.</summary>
    public int CpuSampleCounter;

    /// <summary>The tool this thread started last (hot loops start the same tool with the same string).</summary>
    public ToolState? LastTool;

    /// <summary>The managed thread id, so a scope can tell whether it ends on the thread that started it.</summary>
    public readonly int ThreadId = Environment.CurrentManagedThreadId;

    /// <summary>The calling thread's state.</summary>
    public static ProfilerThread Current => t_current ??= new ProfilerThread();

    /// <summary>A cleared scope state from this thread's pool, or a new one.</summary>
    public ScopeState Rent()
    {
        if (_poolCount > 0)
        {
            int i = --_poolCount;
            var s = _pool[i];
            _pool[i] = null!;
            return s;
        }
        return new ScopeState();
    }

    /// <summary>Keeps a cleared state for the next scope; must be called on this thread (the pool is bounded).</summary>
    public void Return(ScopeState s)
    {
        if (_poolCount < PoolSize)
        {
            _pool[_poolCount++] = s;
        }
    }
}
