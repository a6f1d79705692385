namespace Vigil.Sdk.Profiling;

/// <summary>
/// An active tool run: dispose it to record the run. Returned by <see cref="ToolProfiler.Start(string)"/> and passed to
/// the bodies of <see cref="ToolProfiler.RunAsync(string, Func{ToolRunScope, CancellationToken, Task}, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// <para>The counter methods are thread-safe. A handle is a small struct over pooled state: once the run is recorded,
/// every copy of the handle becomes inert — a second <see cref="Dispose"/> or a late counter call does nothing and is
/// counted in <see cref="ToolProfilerDiagnostics.StaleHandleUses"/>; it never throws.</para>
/// <para>A synchronous scope measures CPU time, allocations and exceptions of the thread that started it. Disposing it on
/// another thread (after an <c>await</c>, say) still records the wall time, outcome and counters, but reports those
/// three as not measured and counts the run in <see cref="ToolProfilerDiagnostics.CrossThreadDisposals"/>; use
/// <c>RunAsync</c> for asynchronous work.</para>
/// </remarks>
public readonly struct ToolRunScope : IDisposable
{
    private readonly ScopeState? _state;
    private readonly int _version;

    internal ToolRunScope(ScopeState state)
    {
        _state = state;
        _version = state.Version;
    }

    /// <summary>True until the run is recorded.</summary>
    public bool IsActive => _state is { } s && s.Version == _version;

    /// <summary>The tool's name as recorded (an invalid or over-limit name shows its replacement), or null when inactive.</summary>
    public string? Tool => Active() is { } s ? s.Tool.Name : null;

    /// <summary>Counts <paramref name="count"/> cache hits.</summary>
    public void CacheHit(long count = 1)
    {
        if (Active() is { } s)
        {
            Interlocked.Add(ref s.CacheHits, count);
        }
    }

    /// <summary>Counts <paramref name="count"/> cache misses.</summary>
    public void CacheMiss(long count = 1)
    {
        if (Active() is { } s)
        {
            Interlocked.Add(ref s.CacheMisses, count);
        }
    }

    /// <summary>Counts <paramref name="count"/> I/O operations (file, disk, database).</summary>
    public void IoOperation(long count = 1)
    {
        if (Active() is { } s)
        {
            Interlocked.Add(ref s.IoOperations, count);
        }
    }

    /// <summary>Counts <paramref name="count"/> network calls.</summary>
    public void NetworkCall(long count = 1)
    {
        if (Active() is { } s)
        {
            Interlocked.Add(ref s.NetworkCalls, count);
        }
    }

    /// <summary>Adds <paramref name="value"/> to the user-defined counter <paramref name="counter"/> (exported as <c>vigil.tool.custom</c>).</summary>
    public void Increment(string counter, long value = 1)
    {
        if (Active() is { } s)
        {
            if (string.IsNullOrEmpty(counter))
            {
                s.Owner.CountInvalidCounterName();
                return;
            }
            s.AddCounter(counter, value);
        }
    }

    /// <summary>Marks the run failed with the exception's type as error type (a scope cannot see exceptions by itself).</summary>
    public void Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Active() is { } s)
        {
            s.Outcome = exception is OperationCanceledException ? ToolOutcome.Cancelled : ToolOutcome.Failure;
            s.ErrorType = s.Outcome == ToolOutcome.Failure ? exception.GetType().FullName ?? exception.GetType().Name : null;
        }
    }

    /// <summary>Marks the run failed with a tool-defined error type (for failures that are results, not exceptions).</summary>
    public void Fail(string errorType)
    {
        if (Active() is { } s)
        {
            s.Outcome = ToolOutcome.Failure;
            s.ErrorType = string.IsNullOrEmpty(errorType) ? "error" : errorType;
        }
    }

    /// <summary>Marks the run cancelled (not counted as an error).</summary>
    public void Cancel()
    {
        if (Active() is { } s)
        {
            s.Outcome = ToolOutcome.Cancelled;
            s.ErrorType = null;
        }
    }

    /// <summary>Ends the run and records it; later calls do nothing.</summary>
    public void Dispose()
    {
        var s = _state;
        if (s is null)
        {
            return;
        }
        if (s.Version != _version)
        {
            ToolProfiler.CountStaleUse();
            return;
        }
        if (s.IsAsync)
        {
            // Note: RunAsync ends its own runs; disposing the handle passed to the body must not end the run early.
            return;
        }
        s.Owner.Complete(s);
    }

    private ScopeState? Active()
    {
        var s = _state;
        if (s is null)
        {
            return null;
        }
        if (s.Version != _version)
        {
            ToolProfiler.CountStaleUse();
            return null;
        }
        return s;
    }
}
