using System.Runtime;

namespace Vigil.PromQL.Engine;

/// <summary>
/// Gives the memory of large queries back to the operating system. A query's big point buffers live on the large-object
/// heap, which the garbage collector frees but neither compacts nor decommits by default: after one large query the
/// process would keep its peak size for good. Once large queries (those that allocated at least
/// <see cref="EngineOptions.ReturnMemoryAfterBytes"/>) have stopped for <see cref="Quiet"/>, or at the latest
/// <see cref="MaxWait"/> after the first of a stream of them, one aggressive collection compacts the heaps and decommits
/// what is free.
/// </summary>
/// <remarks>Thread-safe. While large queries keep coming the memory is in use anyway; it is returned when they stop.</remarks>
internal static class MemoryReturn
{
    /// <summary>How long no large query must have finished before the collection runs (its results are written out by then).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    /// <summary>The longest a collection waits for quiet once a large query asked for it.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    private static readonly Lock Gate = new();
    private static bool _scheduled;
    private static long _firstTicks;
    private static long _lastTicks;
    private static long _runs;

    /// <summary>Collections run so far (for tests and statistics).</summary>
    public static long Runs => Interlocked.Read(ref _runs);

    /// <summary>Notes a large query; schedules the collection unless one is scheduled already.</summary>
    public static void AfterLargeQuery()
    {
        lock (Gate)
        {
            _lastTicks = Environment.TickCount64;
            if (_scheduled)
            {
                return;
            }
            _scheduled = true;
            _firstTicks = _lastTicks;
        }
        Schedule(Quiet);
    }

    private static void Schedule(TimeSpan wait)
        => _ = Task.Delay(wait).ContinueWith(static _ => CollectWhenQuiet(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    private static void CollectWhenQuiet()
    {
        long now = Environment.TickCount64;
        lock (Gate)
        {
            long quietLeft = _lastTicks + (long)Quiet.TotalMilliseconds - now;
            long maxLeft = _firstTicks + (long)MaxWait.TotalMilliseconds - now;
            if (quietLeft > 0 && maxLeft > 0)
            {
                Schedule(TimeSpan.FromMilliseconds(Math.Min(quietLeft, maxLeft)));
                return;
            }
            _scheduled = false;
        }
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        // Note: aggressive mode compacts every generation, the large-object heap included, and decommits the free space
        // at once; an ordinary full collection would free the buffers but keep their memory committed for reuse.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Increment(ref _runs);
    }
}
