namespace Vigil.Tsdb.Wal;

/// <summary>When the write-ahead log forces written records to stable storage (fsync).</summary>
public enum WalSyncMode
{
    /// <summary>
    /// A background fsync every <see cref="WalOptions.SyncInterval"/>: <c>Log</c> returns once the bytes are in the
    /// operating system's page cache, so a process crash loses nothing and a machine crash loses at most one interval.
    /// </summary>
    Interval = 0,

    /// <summary><c>Log</c> returns only after the record is fsynced; concurrent callers share one fsync (group commit).</summary>
    Commit = 1,
}
