using System.Diagnostics;
using System.Globalization;

namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>
/// An independent reference for the calling thread's CPU time: the kernel scheduler's own accounting in
/// <c>/proc/thread-self/schedstat</c> (nanoseconds on CPU), read through the file system instead of the clock the SDK uses.
/// </summary>
internal static class KernelThreadClock
{
    /// <summary>Nanoseconds the calling thread has run on a CPU.</summary>
    public static long ReadNs()
    {
        string text = File.ReadAllText("/proc/thread-self/schedstat");
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        return long.Parse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Spins until the calling thread has used <paramref name="cpu"/> of CPU time (by the kernel's account); returns the wall time it took.</summary>
    public static TimeSpan Burn(TimeSpan cpu)
    {
        long start = ReadNs();
        long target = (long)(cpu.TotalMilliseconds * 1_000_000);
        var sw = Stopwatch.StartNew();
        double sink = 1;
        while (ReadNs() - start < target)
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink = Math.Sqrt(sink + i);
            }
        }
        GC.KeepAlive(sink);
        return sw.Elapsed;
    }

    /// <summary>Spins for <paramref name="wall"/> of wall-clock time.</summary>
    public static void SpinFor(TimeSpan wall)
    {
        var sw = Stopwatch.StartNew();
        double sink = 1;
        while (sw.Elapsed < wall)
        {
            for (int i = 0; i < 1_000; i++)
            {
                sink = Math.Sqrt(sink + i);
            }
        }
        GC.KeepAlive(sink);
    }
}
