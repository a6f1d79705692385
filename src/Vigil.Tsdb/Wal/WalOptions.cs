namespace Vigil.Tsdb.Wal;

/// <summary>Settings of a <see cref="WriteAheadLog"/>.</summary>
public sealed class WalOptions
{
    /// <summary>The default maximum segment size: 128 MiB, as in Prometheus.</summary>
    public const long DefaultSegmentSize = 128L * 1024 * 1024;

    /// <summary>The directory holding the segment files and checkpoints, usually <c>&lt;data&gt;/wal</c>; created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>
    /// The size in bytes a segment may reach before the log moves to the next one; a record (or atomic batch) larger
    /// than this gets a segment of its own.
    /// </summary>
    public long SegmentSize { get; init; } = DefaultSegmentSize;

    /// <summary>When written data is fsynced; see <see cref="WalSyncMode"/>.</summary>
    public WalSyncMode Sync { get; init; } = WalSyncMode.Interval;

    /// <summary>The period of the background fsync in <see cref="WalSyncMode.Interval"/> mode.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("WalOptions.Directory must name a directory.", nameof(Directory));
        }
        if (SegmentSize < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentSize), SegmentSize, "WalOptions.SegmentSize must be at least 64 bytes.");
        }
        if (Sync is not (WalSyncMode.Interval or WalSyncMode.Commit))
        {
            throw new ArgumentOutOfRangeException(nameof(Sync), Sync, "unknown WalSyncMode");
        }
        if (Sync == WalSyncMode.Interval && SyncInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SyncInterval), SyncInterval, "WalOptions.SyncInterval must be positive.");
        }
    }
}
