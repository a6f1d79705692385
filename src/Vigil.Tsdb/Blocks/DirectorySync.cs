using System.Runtime.InteropServices;

namespace Vigil.Tsdb.Blocks;

/// <summary>fsync for directories, so a rename or a new file's directory entry survives a power loss.</summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;

    /// <summary>Flushes the directory entry table of <paramref name="dir"/> to disk (no-op on Windows).</summary>
    public static void Fsync(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = Open(dir, ORdOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {dir} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (FsyncFd(fd) != 0)
            {
                throw new IOException($"fsync of directory {dir} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
