using System.Runtime.InteropServices;

namespace Vigil.Sdk.Profiling;

/// <summary>Reads the CPU time consumed by the calling thread, in nanoseconds.</summary>
/// <remarks>
/// Linux and macOS use <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c> (user + system time of the thread, nanosecond
/// resolution); Windows uses <c>GetThreadTimes</c> (100 ns units, advanced at scheduler ticks). Elsewhere
/// <see cref="IsSupported"/> is false and <see cref="Read"/> returns -1. On Linux the thread CPU clock is not served by
/// the vDSO: every read is a system call, which is why scopes can sample it (<see cref="ToolProfilerOptions.CpuTimeSampling"/>).
/// </remarks>
internal static unsafe partial class ThreadCpuClock
{
    private const int LinuxClockThreadCpuTimeId = 3;
    private const int MacClockThreadCpuTimeId = 16;

    private static readonly int s_mode = DetectMode();

    /// <summary>True when the current platform has a per-thread CPU clock.</summary>
    public static bool IsSupported => s_mode != 0;

    /// <summary>CPU time of the calling thread in nanoseconds, or -1 when unsupported or the call failed.</summary>
    public static long Read()
    {
        switch (s_mode)
        {
            case 1:
                return ReadClock(LinuxClockThreadCpuTimeId);
            case 2:
                return ReadClock(MacClockThreadCpuTimeId);
            case 3:
                return ReadWindows();
            default:
                return -1;
        }
    }

    private static long ReadClock(int clockId)
    {
        TimeSpec ts;
        if (ClockGetTime(clockId, &ts) != 0)
        {
            return -1;
        }
        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    private static long ReadWindows()
    {
        long creation, exit, kernel, user;
        if (!GetThreadTimes(GetCurrentThread(), &creation, &exit, &kernel, &user))
        {
            return -1;
        }
        return (kernel + user) * 100;
    }

    private static int DetectMode()
    {
        try
        {
            int mode = OperatingSystem.IsLinux() ? 1 : OperatingSystem.IsMacOS() ? 2 : OperatingSystem.IsWindows() ? 3 : 0;
            if (mode == 0 || IntPtr.Size != 8)
            {
                return 0;
            }
            // Note: probe once so a missing export or an unexpected errno disables CPU time instead of failing every scope.
            return mode switch
            {
                1 => ReadClock(LinuxClockThreadCpuTimeId) >= 0 ? 1 : 0,
                2 => ReadClock(MacClockThreadCpuTimeId) >= 0 ? 2 : 0,
                _ => ReadWindows() >= 0 ? 3 : 0,
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    // Note: SuppressGCTransition is safe here: both calls are short, never block and never call back into the runtime.
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    [SuppressGCTransition]
    private static partial int ClockGetTime(int clockId, TimeSpec* result);

    [LibraryImport("kernel32", EntryPoint = "GetThreadTimes")]
    [SuppressGCTransition]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(nint thread, long* creation, long* exit, long* kernel, long* user);

    [LibraryImport("kernel32", EntryPoint = "GetCurrentThread")]
    [SuppressGCTransition]
    private static partial nint GetCurrentThread();

    /// <summary><c>struct timespec</c> on 64-bit platforms.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
