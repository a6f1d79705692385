using System.Runtime.ExceptionServices;

namespace Vigil.Fuzz;

/// <summary>
/// Runs every input on one long-lived thread created like the thread pool's threads that serve requests (the
/// platform's default stack size, not the main thread's), so that a recursion depth that crashes the harness crashes a
/// server too, and one that the harness survives a server survives.
/// </summary>
internal static class ServerStack
{
    private static readonly SemaphoreSlim s_start = new(0);
    private static readonly SemaphoreSlim s_done = new(0);
    private static Func<byte[], Outcome>? s_work;
    private static byte[] s_input = [];
    private static Outcome s_outcome;
    private static ExceptionDispatchInfo? s_error;
    private static readonly Lazy<Thread> s_thread = new(() =>
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "fuzz-target" };
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
