using System.Runtime.ExceptionServices;

namespace Vigil.Fuzz;

/// <summary>
/// Runs every input on one long-lived thread whose stack is as large as a thread-pool thread's, where the server parses
/// requests, so that recursion depth findings match what a request can do (the process's main thread has a far larger
/// stack than the thread pool's).
/// </summary>
internal static class ServerStack
{
    /// <summary>The stack size of .NET thread-pool threads on Linux.</summary>
    private const int StackBytes = 1536 * 1024;

    private static readonly SemaphoreSlim s_start = new(0);
    private static readonly SemaphoreSlim s_done = new(0);
    private static Func<byte[], Outcome>? s_work;
    private static byte[] s_input = [];
    private static Outcome s_outcome;
    private static ExceptionDispatchInfo? s_error;
    private static readonly Lazy<Thread> s_thread = new(() =>
    {
        var thread = new Thread(Loop, StackBytes) { IsBackground = true, Name = "fuzz-target" };
        thread.Start();
        return thread;
    });

    /// <summary>Feeds <paramref name="input"/> to <paramref name="target"/> on the worker thread; rethrows what it threw.</summary>
    public static Outcome Run(FuzzTarget target, byte[] input)
    {
        _ = s_thread.Value;
        s_work = target.Run;
        s_input = input;
        s_error = null;
        s_start.Release();
        s_done.Wait();
        s_error?.Throw();
        return s_outcome;
    }

    private static void Loop()
    {
        while (true)
        {
            s_start.Wait();
            try
            {
                s_outcome = s_work!(s_input);
            }
#pragma warning disable CA1031 // Handed back to the caller's thread unchanged.
            catch (Exception e)
#pragma warning restore CA1031
            {
                s_error = ExceptionDispatchInfo.Capture(e);
            }
            s_done.Release();
        }
    }
}
