using System.Runtime.InteropServices;

namespace Vigil.Collection.Collectors;

/// <summary>The few libc calls the Linux collectors need (64-bit Linux layouts).</summary>
internal static unsafe partial class LibC
{
    /// <summary><c>_SC_CLK_TCK</c> for <see cref="SysConf"/>.</summary>
    public const int ScClkTck = 2;

    /// <summary><c>ST_RDONLY</c> in <see cref="StatFsResult.Flags"/>.</summary>
    public const long StReadOnly = 1;

    /// <summary>Size of one <c>struct utsname</c> field on Linux.</summary>
    public const int UtsFieldLength = 65;

    /// <summary>True where the struct layouts below are right: 64-bit Linux.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && IntPtr.Size == 8;

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatFs(string path, out StatFsResult result);

    [LibraryImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    public static partial long SysConf(int name);

    [LibraryImport("libc", EntryPoint = "uname", SetLastError = true)]
    public static partial int Uname(byte* buffer);

    /// <summary><c>struct statfs</c> as laid out by glibc and musl on 64-bit Linux (x86-64, arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatFsResult
    {
        public long Type;
        public long BlockSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public long FsId;
        public long NameLength;
        public long FragmentSize;
        public long Flags;
        public long Spare0;
        public long Spare1;
        public long Spare2;
        public long Spare3;
    }
}
