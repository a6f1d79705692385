namespace Vigil.Profiling;

/// <summary>
/// Tells a thread that waits from one that works by the frames nearest the top of its sampled stack, and the
/// application's own code from the framework's.
/// </summary>
/// <remarks>
/// The runtime's sample profiler reports a thread parked in a managed wait (an idle thread-pool worker in
/// <c>LowLevelLifoSemaphore.Wait</c>) as running managed code, so the sample type alone cannot separate waiting from
/// working. The stack is read from the innermost frame outwards, up to the first frame of the application's own code:
/// if a known wait method is met on the way, the sample is a wait (of the kind of the outermost one met), otherwise it
/// is on CPU. Frames further
/// out (the thread's entry point) only refine the kind: a wait under <c>TimerQueue.TimerThread</c> is the timer thread
/// that serves <c>Task.Delay</c> and timers, one under <c>SocketAsyncEngine.EventLoop</c> is the socket engine's
/// <c>epoll_wait</c>. Spinning inside a lock or a semaphore counts as waiting too: the thread burns CPU, but only
/// because it waits for another one.
/// </remarks>
internal static class SampleClassifier
{
    /// <summary>Wait kinds, as printed.</summary>
    public const string ThreadPoolIdle = "thread-pool idle";
    public const string TimerThread = "timer thread (Task.Delay, timers)";
    public const string SocketEngine = "epoll_wait (socket engine)";
    public const string MonitorWait = "Monitor.Wait";
    public const string LockContention = "lock contention";
    public const string WaitHandle = "WaitHandle/event wait";
    public const string TaskWait = "Task.Wait (blocking on a task)";
    public const string Sleep = "Thread.Sleep";
    public const string Join = "Thread.Join";
    public const string BlockingIo = "blocking socket or file read";
    public const string RuntimeWait = "runtime wait";

    /// <summary>Method-name fragments (after the module's <c>!</c>) of frames that only run while their thread waits.</summary>
    public static readonly IReadOnlyList<(string Fragment, string Kind)> WaitFrames =
    [
        ("System.Threading.LowLevelLifoSemaphore.", ThreadPoolIdle),
        ("System.Threading.Monitor.Wait", MonitorWait),
        ("System.Threading.Monitor.Enter", LockContention),
        ("System.Threading.Monitor.ReliableEnter", LockContention),
        ("System.Threading.Monitor.TryEnter", LockContention),
        ("System.Threading.Lock.Enter", LockContention),
        ("System.Threading.Lock.TryEnterSlow", LockContention),
        ("System.Threading.ReaderWriterLockSlim.WaitOnEvent", LockContention),
        ("System.Threading.WaitHandle.Wait", WaitHandle),
        ("System.Threading.WaitSubsystem.", WaitHandle),
        ("System.Threading.ManualResetEventSlim.Wait", WaitHandle),
        ("System.Threading.SemaphoreSlim.Wait(", WaitHandle),
        ("System.Threading.SemaphoreSlim.WaitUntilCountOrTimeout", WaitHandle),
        ("System.Threading.CountdownEvent.Wait", WaitHandle),
        ("System.Threading.Barrier.SignalAndWait", WaitHandle),
        ("System.Threading.Tasks.Task.Wait", TaskWait),
        ("System.Threading.Tasks.Task.InternalWait", TaskWait),
        ("System.Threading.Tasks.Task.SpinThenBlockingWait", TaskWait),
        ("System.Threading.Thread.Sleep", Sleep),
        ("System.Threading.Thread.Join", Join),
        ("Interop+Sys.WaitForSocketEvents", SocketEngine),
        ("System.Net.Sockets.Socket.Receive", BlockingIo),
        ("System.Net.Sockets.Socket.Accept", BlockingIo),
        ("System.Net.Sockets.Socket.Poll", BlockingIo),
        ("System.Net.Sockets.Socket.Select", BlockingIo),
        ("System.Net.Sockets.SocketPal.Receive", BlockingIo),
        ("System.Net.Sockets.NetworkStream.Read", BlockingIo),
        ("Interop+Sys.Receive", BlockingIo),
        ("Interop+Sys.Read(", BlockingIo),
        ("Interop+Sys.Accept", BlockingIo),
        ("Interop+Sys.Poll", BlockingIo),
        ("System.Threading.LowLevelMonitor.", RuntimeWait),
        ("Interop+Sys.LowLevelMonitor_", RuntimeWait),
    ];

    /// <summary>Thread entry points that name what a wait beneath them is for.</summary>
    private static readonly IReadOnlyList<(string Fragment, string Kind)> s_contexts =
    [
        ("System.Threading.TimerQueue.TimerThread", TimerThread),
        ("System.Threading.PortableThreadPool+GateThread.", ThreadPoolIdle),
        ("System.Net.Sockets.SocketAsyncEngine.EventLoop", SocketEngine),
    ];

    /// <summary>
    /// The wait of a sample whose stack is <paramref name="leafFirst"/> (innermost frame first): its kind and the index
    /// of the wait frame that names it (the outermost one before the application's own code, so a <c>Monitor.Wait</c>
    /// inside <c>Task.Wait</c> reads as a task wait); null when the sample is on CPU.
    /// </summary>
    public static (string Kind, int Frame)? Classify(IReadOnlyList<string> leafFirst)
    {
        ArgumentNullException.ThrowIfNull(leafFirst);
        if (leafFirst.Count == 0)
        {
            return null;
        }
        string? kind = null;
        int at = -1;
        // Note: the worker loop itself runs no work item (those run in its callees): on top of the stack it is spinning
        // or parking between items.
        if (Method(leafFirst[0]).StartsWith("System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart", StringComparison.Ordinal))
        {
            (kind, at) = (ThreadPoolIdle, 0);
        }
        for (int i = 0; i < leafFirst.Count; i++)
        {
            string frame = leafFirst[i];
            if (IsOwnCode(frame))
            {
                break;
            }
            if (Match(frame, WaitFrames) is { } match)
            {
                (kind, at) = (match, i);
            }
        }
        if (kind is null)
        {
            return null;
        }
        foreach (string frame in leafFirst)
        {
            if (Match(frame, s_contexts) is { } context)
            {
                return (context, at);
            }
        }
        return (kind, at);
    }

    /// <summary>
    /// True for a frame of the application's own code: any module but the runtime's and the framework's
    /// (<c>System.*</c>, <c>Microsoft.*</c>, <c>mscorlib</c>, <c>netstandard</c>, native runtime libraries, unnamed frames).
    /// Libraries the application references count as its own.
    /// </summary>
    public static bool IsOwnCode(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int bang = frame.IndexOf('!', StringComparison.Ordinal);
        if (bang <= 0)
        {
            return false;
        }
        var module = frame.AsSpan(0, bang);
        return !(module.StartsWith("System", StringComparison.Ordinal)
            || module.StartsWith("Microsoft.", StringComparison.Ordinal)
            || module.SequenceEqual("mscorlib")
            || module.SequenceEqual("netstandard")
            || module.Contains("coreclr", StringComparison.OrdinalIgnoreCase)
            || module.Contains(".so", StringComparison.Ordinal)
            || module.EndsWith(".dylib", StringComparison.Ordinal));
    }

    private static ReadOnlySpan<char> Method(string frame)
    {
        int bang = frame.IndexOf('!', StringComparison.Ordinal);
        return bang >= 0 ? frame.AsSpan(bang + 1) : frame.AsSpan();
    }

    private static string? Match(string frame, IReadOnlyList<(string Fragment, string Kind)> table)
    {
        var method = Method(frame);
        foreach (var (fragment, kind) in table)
        {
            if (method.StartsWith(fragment, StringComparison.Ordinal))
            {
                return kind;
            }
        }
        return null;
    }
}
