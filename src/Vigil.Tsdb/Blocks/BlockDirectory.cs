using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Blocks;

/// <summary>Start-up housekeeping of a data directory's blocks, and crash-safe block deletion.</summary>
/// <remarks>
/// The rules that make compaction crash-safe: a block being written lives in <c>*.tmp-for-creation</c> until it is
/// complete, a block being deleted is first renamed to <c>*.tmp-for-deletion</c>, and a compacted block lists its
/// parents. So at start-up temporary directories are removed and any block that is a parent of another healthy block
/// is deleted: a crash at any point leaves either the old blocks or the new one, never both or neither.
/// Not thread-safe with respect to other writers of the same directory; the DB's directory lock guards that.
/// </remarks>
public static partial class BlockDirectory
{
    /// <summary>Suffix of a block directory being deleted.</summary>
    public const string TmpForDeletionSuffix = ".tmp-for-deletion";

    /// <summary>Suffix given to a block directory that failed validation.</summary>
    public const string CorruptedSuffix = ".corrupted";

    /// <summary>Block directories in <paramref name="dataDir"/> (names that are ULIDs), sorted by name.</summary>
    public static IReadOnlyList<string> ListBlockDirs(string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            return [];
        }
        var dirs = new List<string>();
        foreach (var d in Directory.EnumerateDirectories(dataDir))
        {
            if (Ulid.TryParse(Path.GetFileName(d), out _))
            {
                dirs.Add(d);
            }
        }
        dirs.Sort(StringComparer.Ordinal);
        return dirs;
    }

    /// <summary>Deletes <c>*.tmp-for-creation</c> and <c>*.tmp-for-deletion</c> directories left by a crash; returns how many.</summary>
    public static int RemoveLeftovers(string dataDir, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        if (!Directory.Exists(dataDir))
        {
            return 0;
        }
        int removed = 0;
        foreach (var d in Directory.EnumerateDirectories(dataDir))
        {
            string name = Path.GetFileName(d);
            if (name.EndsWith(BlockWriter.TmpForCreationSuffix, StringComparison.Ordinal) ||
                name.EndsWith(TmpForDeletionSuffix, StringComparison.Ordinal))
            {
                Directory.Delete(d, recursive: true);
                LogRemovedLeftover(logger, d);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>
    /// Opens the healthy blocks of <paramref name="dataDir"/>, sorted by minimum time: removes leftovers of interrupted
    /// writes and deletions, moves blocks that fail validation (meta.json, index) aside to
    /// <c>&lt;dir&gt;.corrupted</c> with an error log,
    /// and deletes blocks that were compacted into another healthy block. The caller owns the returned blocks.
    /// </summary>
    public static IReadOnlyList<Block> OpenBlocks(string dataDir, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        RemoveLeftovers(dataDir, logger);
        var blocks = new List<Block>();
        foreach (var dir in ListBlockDirs(dataDir))
        {
            try
            {
                blocks.Add(Block.Open(dir));
            }
            catch (BlockCorruptedException e)
            {
                MoveAside(dir, e, logger);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Note: not proof of corruption (permissions, I/O error): leave it in place, serve the rest.
                LogUnreadable(logger, dir, e);
            }
        }

        // A child that is itself corrupted was moved aside above, so its parents stay: no data is lost.
        var children = new Dictionary<Ulid, Ulid>();
        foreach (var b in blocks)
        {
            foreach (var p in b.Meta.Compaction.Parents)
            {
                children[p.Ulid] = b.Meta.Ulid;
            }
        }
        var result = new List<Block>(blocks.Count);
        foreach (var b in blocks)
        {
            if (children.TryGetValue(b.Meta.Ulid, out var child))
            {
                LogDeletingParent(logger, b.Meta.Ulid, child);
                b.Dispose();
                Delete(b.Directory, logger);
            }
            else
            {
                result.Add(b);
            }
        }
        result.Sort(static (a, b) => a.Meta.MinTime != b.Meta.MinTime ? a.Meta.MinTime.CompareTo(b.Meta.MinTime) : a.Meta.Ulid.CompareTo(b.Meta.Ulid));
        return result;
    }

    /// <summary>Directories of <paramref name="dataDir"/> holding blocks moved aside by <see cref="MoveAside"/>, sorted by name.</summary>
    public static IReadOnlyList<string> ListCorruptedDirs(string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            return [];
        }
        var dirs = new List<string>();
        foreach (var d in Directory.EnumerateDirectories(dataDir))
        {
            string name = Path.GetFileName(d);
            int cut = name.IndexOf(CorruptedSuffix, StringComparison.Ordinal);
            if (cut > 0 && Ulid.TryParse(name[..cut], out _))
            {
                dirs.Add(d);
            }
        }
        dirs.Sort(StringComparer.Ordinal);
        return dirs;
    }

    /// <summary>Renames <paramref name="blockDir"/> to <c>&lt;dir&gt;.corrupted</c> (or <c>.corrupted.N</c> if taken) and logs why; returns the new path.</summary>
    public static string MoveAside(string blockDir, Exception reason, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        string target = blockDir + CorruptedSuffix;
        for (int n = 1; Directory.Exists(target) || File.Exists(target); n++)
        {
            target = blockDir + CorruptedSuffix + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Directory.Move(blockDir, target);
        FsyncParent(target);
        LogMovedAside(logger, blockDir, target, reason.Message, reason);
        return target;
    }

    /// <summary>Deletes a block directory crash-safely: rename to <c>*.tmp-for-deletion</c> (fsynced), then delete recursively.</summary>
    public static void Delete(string blockDir, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        string tmp = blockDir.TrimEnd(Path.DirectorySeparatorChar) + TmpForDeletionSuffix;
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.Move(blockDir, tmp);
        FsyncParent(tmp);
        Directory.Delete(tmp, recursive: true);
        LogDeleted(logger, blockDir);
    }

    private static void FsyncParent(string path)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null)
        {
            NativeFileSystem.SyncDirectory(parent);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed leftover temporary block directory {Dir}")]
    private static partial void LogRemovedLeftover(ILogger logger, string dir);

    [LoggerMessage(Level = LogLevel.Error, Message = "Block {Dir} is corrupted and was moved aside to {Target}: {Reason}")]
    private static partial void LogMovedAside(ILogger logger, string dir, string target, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Block {Dir} could not be read and is skipped")]
    private static partial void LogUnreadable(ILogger logger, string dir, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleting block {Ulid}: it was compacted into block {Child}")]
    private static partial void LogDeletingParent(ILogger logger, Ulid ulid, Ulid child);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted block directory {Dir}")]
    private static partial void LogDeleted(ILogger logger, string dir);
}
