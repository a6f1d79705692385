using System.Globalization;
using Vigil.Core.Storage;

namespace Vigil.Tsdb;

/// <summary>An exclusive lock on a data directory, held through an open <c>lock</c> file.</summary>
internal sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    public static DirectoryLock Acquire(string dataDir)
    {
        string path = Path.Combine(dataDir, "lock");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            string owner = "";
            var bytes = Internal.NativeFileSystem.ReadIgnoringLocks(path, 32);
            string pid = bytes is null ? "" : System.Text.Encoding.ASCII.GetString(bytes).Trim();
            if (pid.Length > 0 && pid.All(char.IsAsciiDigit))
            {
                owner = $" (pid {pid})";
            }
            throw new StorageException($"data directory {Path.GetFullPath(dataDir)} is in use by another Vigil process{owner}; lock file {Path.GetFullPath(path)}", e);
        }
        // Note: .NET's FileShare.None maps to an advisory flock on Unix, released by the kernel when the process dies.
        stream.SetLength(0);
        var pidBytes = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        stream.Write(pidBytes);
        stream.Flush(true);
        return new DirectoryLock(stream);
    }

    public void Dispose() => _stream.Dispose();
}
