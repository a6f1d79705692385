namespace Vigil.Sdk.Profiling;

/// <summary>
/// The execution-context value of an asynchronous run: CPU time, allocations and exceptions accumulated over every
/// segment of the run's flow, on whichever threads they ran. Nested runs link to their parent so a segment is credited
/// to every enclosing run.
/// </summary>
internal sealed class AsyncRunFrame(AsyncRunFrame? parent)
{
    public AsyncRunFrame? Parent { get; } = parent;

    public long CpuNs;
    public long Allocated;
    public int Exceptions;

    /// <summary>Set when a CPU clock read failed during one of the run's segments.</summary>
    public int CpuUnavailable;

    /// <summary>
    /// Threads whose current frame chain includes this frame: segments running now, not yet credited. The run's end
    /// waits (briefly) for it to reach 0, so a segment whose thread has not yet left the frame is still counted.
    /// </summary>
    public int Threads;
}
