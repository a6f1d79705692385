using System.Diagnostics;

namespace Vigil.Sdk.Profiling;

/// <summary>Asynchronous runs: per-segment accounting through an <see cref="AsyncLocal{T}"/> change notification.</summary>
public sealed partial class ToolProfiler
{
    private static readonly AsyncLocal<AsyncRunFrame?> s_frame = new(OnFrameChanged);

    /// <summary>How long a run's end waits for other threads to leave its frame and credit their segments.</summary>
    private static readonly TimeSpan MaxSegmentWait = TimeSpan.FromMilliseconds(50);

    [ThreadStatic]
    private static long t_segmentCpuNs;

    [ThreadStatic]
    private static long t_segmentAllocated;

    private static AsyncRunFrame? CurrentFrame => s_frame.Value;

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/>; an escaping exception marks it failed (or cancelled) and propagates.</summary>
    public Task RunAsync(string tool, Func<CancellationToken, Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, default, hasTags: false, (_, ct) => body(ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/>, passing the run's handle for counters.</summary>
    public Task RunAsync(string tool, Func<ToolRunScope, CancellationToken, Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, default, hasTags: false, body, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/> with tags, passing the run's handle for counters.</summary>
    public Task RunAsync(string tool, TagList tags, Func<ToolRunScope, CancellationToken, Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, tags, tags.Count > 0, body, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/> and returns its result.</summary>
    public Task<T> RunAsync<T>(string tool, Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, default, hasTags: false, (_, ct) => body(ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/>, passing the run's handle, and returns its result.</summary>
    public Task<T> RunAsync<T>(string tool, Func<ToolRunScope, CancellationToken, Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, default, hasTags: false, body, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> as an asynchronous run of <paramref name="tool"/> with tags, passing the run's handle, and returns its result.</summary>
    public Task<T> RunAsync<T>(string tool, TagList tags, Func<ToolRunScope, CancellationToken, Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunCoreAsync(tool, tags, tags.Count > 0, body, cancellationToken);
    }

    private async Task RunCoreAsync(string tool, TagList tags, bool hasTags, Func<ToolRunScope, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var s = BeginAsync(tool, tags, hasTags);
        var frame = s.Frame!;
        s_frame.Value = frame;
        try
        {
            await body(new ToolRunScope(s), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MarkFailed(new ToolRunScope(s), e))
        {
            throw;
        }
        finally
        {
            s_frame.Value = frame.Parent;
            CompleteAsync(s);
        }
    }

    private async Task<T> RunCoreAsync<T>(string tool, TagList tags, bool hasTags, Func<ToolRunScope, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        var s = BeginAsync(tool, tags, hasTags);
        var frame = s.Frame!;
        s_frame.Value = frame;
        try
        {
            return await body(new ToolRunScope(s), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MarkFailed(new ToolRunScope(s), e))
        {
            throw;
        }
        finally
        {
            s_frame.Value = frame.Parent;
            CompleteAsync(s);
        }
    }

    private ScopeState BeginAsync(string tool, TagList tags, bool hasTags)
    {
        var thread = ProfilerThread.Current;
        var s = thread.Rent();
        s.Thread = thread;
        s.Tags = tags;
        s.HasTags = hasTags;
        s.Owner = this;
        s.Tool = Resolve(thread, tool);
        s.IsAsync = true;
        s.Outcome = ToolOutcome.Success;
        s.Frame = new AsyncRunFrame(CurrentFrame);
        ReadCollectionCounts(s);
        s.StartTimestamp = Stopwatch.GetTimestamp();
        return s;
    }

    private void CompleteAsync(ScopeState s)
    {
        long end = Stopwatch.GetTimestamp();
        var frame = s.Frame!;
        // Note: the thread that ran a segment credits it when it leaves the frame, which can come just after the run's
        // last continuation gets here (a thread descheduled between returning and restoring its context); wait for
        // that, but never more than MaxSegmentWait (work left running in the frame, such as fire-and-forget tasks).
        if (Volatile.Read(ref frame.Threads) > 0)
        {
            var spin = new SpinWait();
            long deadline = end + (long)(MaxSegmentWait.TotalSeconds * Stopwatch.Frequency);
            while (Volatile.Read(ref frame.Threads) > 0 && Stopwatch.GetTimestamp() < deadline)
            {
                spin.SpinOnce(sleep1Threshold: 20);
            }
        }
        double cpu = ThreadCpuClock.IsSupported && Volatile.Read(ref frame.CpuUnavailable) == 0 ? Interlocked.Read(ref frame.CpuNs) / 1e9 : double.NaN;
        Finish(s, end, cpu, Interlocked.Read(ref frame.Allocated), Volatile.Read(ref frame.Exceptions));
    }

    /// <summary>
    /// Called by the runtime whenever the current frame changes on a thread: an explicit set, or an execution context
    /// installed or restored around a continuation. Credits the segment that just ended to the previous frame chain.
    /// </summary>
    /// <remarks>Must never throw: an exception here terminates the process.</remarks>
    private static void OnFrameChanged(AsyncLocalValueChangedArgs<AsyncRunFrame?> change)
    {
        long cpu = ThreadCpuClock.Read();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var previous = change.PreviousValue;
        if (previous is not null)
        {
            long cpuDelta = cpu - t_segmentCpuNs;
            long allocatedDelta = allocated - t_segmentAllocated;
            bool cpuValid = cpu >= 0 && t_segmentCpuNs >= 0;
            for (var f = previous; f is not null; f = f.Parent)
            {
                if (cpuValid)
                {
                    Interlocked.Add(ref f.CpuNs, cpuDelta);
                }
                else
                {
                    Volatile.Write(ref f.CpuUnavailable, 1);
                }
                Interlocked.Add(ref f.Allocated, allocatedDelta);
                Interlocked.Decrement(ref f.Threads);
            }
        }
        for (var f = change.CurrentValue; f is not null; f = f.Parent)
        {
            Interlocked.Increment(ref f.Threads);
        }
        t_segmentCpuNs = cpu;
        t_segmentAllocated = allocated;
    }
}
