namespace Vigil.Core.Storage;

/// <summary>
/// A storage's write-ahead log as readers that tail it see it (Prometheus's WAL watcher): the remote-write sender reads
/// every series and sample the storage accepted from here instead of keeping a second buffer.
/// </summary>
/// <remarks>
/// Thread-safe. Segments are numbered upwards; the last one is being written. Segments before <see cref="FirstSegment"/>
/// were folded into the last checkpoint (series still alive) and deleted. A reader keeps segments from being deleted by
/// holding a retention (<see cref="Retain"/>), within the disk budget it asked for.
/// </remarks>
public interface IWriteLog
{
    /// <summary>The lowest segment index on disk; -1 when there is none.</summary>
    int FirstSegment { get; }

    /// <summary>The index of the segment being written.</summary>
    int LastSegment { get; }

    /// <summary>The byte size of segment <paramref name="segment"/> now; 0 when it does not exist.</summary>
    long SegmentSize(int segment);

    /// <summary>Appends the series of the last checkpoint (the series still alive when it was written) to <paramref name="into"/>.</summary>
    void ReadCheckpointSeries(List<LoggedSeries> into);

    /// <summary>Opens a reader at <paramref name="from"/> (a frame start, or offset 0 of a segment); it follows the log as it grows.</summary>
    IWriteLogReader Open(WriteLogPosition from);

    /// <summary>
    /// Keeps the segments from <see cref="WriteLogRetention.Segment"/> on from being deleted by WAL truncation for the
    /// reader named <paramref name="consumer"/>, while they take at most <see cref="WriteLogRetention.MaxBytes"/> on disk;
    /// past the budget, truncation deletes the oldest of them anyway (and says so in its log). Setting it again moves
    /// the mark; <c>null</c> removes it.
    /// </summary>
    void Retain(string consumer, WriteLogRetention? retention);
}
