using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Vigil.Collection.Collectors.Host;

/// <summary>
/// Size, free and available bytes, inodes and read-only state per mounted filesystem via <c>statfs(2)</c>, as
/// node_exporter's <c>filesystem</c> collector, skipping pseudo filesystems by mount point and type.
/// </summary>
/// <remarks>
/// A <c>statfs</c> that does not return within the mount timeout (a hung NFS server) marks the mount as stuck: it is
/// skipped, with one warning, until the call finally returns, so one dead mount never blocks collection.
/// </remarks>
internal sealed class FilesystemSubsystem(Procfs procfs, Regex mountPointExclude, Regex fsTypeExclude, TimeSpan mountTimeout, ILogger logger) : IHostSubsystem
{
    private readonly ConcurrentDictionary<string, bool> _stuck = new(StringComparer.Ordinal);

    public string Name => "filesystem";

    public void Collect(SampleWriter writer)
    {
        var seen = new HashSet<(string, string, string)>();
        foreach (var (device, mountPoint, fsType) in ReadMounts())
        {
            if (mountPointExclude.IsMatch(mountPoint) || fsTypeExclude.IsMatch(fsType) || !seen.Add((device, mountPoint, fsType)))
            {
                continue;
            }
            if (_stuck.ContainsKey(mountPoint))
            {
                continue;
            }
            string[] labels = ["device", device, "fstype", fsType, "mountpoint", mountPoint];
            var call = Task.Run(() => (LibC.StatFs(mountPoint, out var r), r, System.Runtime.InteropServices.Marshal.GetLastPInvokeError()));
            if (!call.Wait(mountTimeout))
            {
                _stuck[mountPoint] = true;
                logger.LogWarning("statfs on {MountPoint} did not return within {Timeout}; skipping it until it does", mountPoint, mountTimeout);
                call.ContinueWith(_ => _stuck.TryRemove(mountPoint, out bool _), TaskScheduler.Default);
                continue;
            }
            var (rc, st, errno) = call.Result;
            if (rc != 0)
            {
                logger.LogDebug("statfs on {MountPoint} failed with errno {Errno}", mountPoint, errno);
                writer.Add("node_filesystem_device_error", 1, labels);
                continue;
            }
            double bsize = st.BlockSize;
            writer.Add("node_filesystem_device_error", 0, labels);
            writer.Add("node_filesystem_size_bytes", st.Blocks * bsize, labels);
            writer.Add("node_filesystem_free_bytes", st.BlocksFree * bsize, labels);
            writer.Add("node_filesystem_avail_bytes", st.BlocksAvailable * bsize, labels);
            writer.Add("node_filesystem_files", st.Files, labels);
            writer.Add("node_filesystem_files_free", st.FilesFree, labels);
            writer.Add("node_filesystem_readonly", (st.Flags & LibC.StReadOnly) != 0 ? 1 : 0, labels);
        }
    }

    /// <summary>The mount table of PID 1 (the host's view inside a container), else of this process.</summary>
    private List<(string Device, string MountPoint, string FsType)> ReadMounts()
    {
        string text;
        try
        {
            text = procfs.Read("1/mounts");
        }
        catch (IOException)
        {
            text = procfs.Read("self/mounts");
        }
        var result = new List<(string, string, string)>();
        foreach (var line in text.Split('\n'))
        {
            var f = Procfs.Fields(line);
            if (f.Length >= 3)
            {
                result.Add((f[0], Unescape(f[1]), f[2]));
            }
        }
        return result;
    }

    /// <summary>Undoes the octal escapes of fstab(5) (<c>\040</c> space, <c>\011</c> tab, ...).</summary>
    internal static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        // Note: escapes are ASCII, so unescaping in the UTF-8 byte domain keeps multi-byte names intact.
        byte[] src = Encoding.UTF8.GetBytes(s);
        var dst = new byte[src.Length];
        int n = 0;
        for (int i = 0; i < src.Length; i++)
        {
            if (src[i] == '\\' && i + 3 < src.Length && IsOctal(src[i + 1]) && IsOctal(src[i + 2]) && IsOctal(src[i + 3]))
            {
                dst[n++] = (byte)(((src[i + 1] - '0') * 64) + ((src[i + 2] - '0') * 8) + (src[i + 3] - '0'));
                i += 3;
            }
            else
            {
                dst[n++] = src[i];
            }
        }
        return Encoding.UTF8.GetString(dst, 0, n);
    }

    private static bool IsOctal(byte c) => c >= '0' && c <= '7';
}
