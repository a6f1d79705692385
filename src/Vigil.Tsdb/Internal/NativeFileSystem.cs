using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Vigil.Tsdb.Internal;

/// <summary>File-system durability calls .NET does not expose: fsync of a directory, so creates, renames and deletes survive a power loss.</summary>
internal static partial class NativeFileSystem
{
    private const int ORdOnly = 0;
    private const int EInval = 22;
    private const int EIntr = 4;

    /// <summary>Flushes the directory entry changes of <paramref name="directory"/> to stable storage (no-op on Windows, where NTFS journals metadata).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = Open(directory, ORdOnly);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open directory \"{directory}\" to fsync it: {new Win32Exception(errno).Message}", errno);
        }
        try
        {
            int rc;
            int err;
            do
            {
                rc = FSync(fd);
                err = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
            }
            while (rc != 0 && err == EIntr);
            // Note: some file systems do not support fsync on directories and answer EINVAL; their metadata is then
            // as durable as it is going to get, so that is not an error.
            if (rc != 0 && err != EInval)
            {
                throw new IOException($"fsync of directory \"{directory}\" failed: {new Win32Exception(err).Message}", err);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> bytes of a file with plain open/read, bypassing .NET's advisory file locks
    /// (used to show the pid in a held lock file). Returns null on any error or on Windows.
    /// </summary>
    public static byte[]? ReadIgnoringLocks(string path, int max)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        int fd = Open(path, ORdOnly);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            var buf = new byte[max];
            nint n = Read(fd, buf, max);
            return n < 0 ? null : buf[..(int)n];
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
