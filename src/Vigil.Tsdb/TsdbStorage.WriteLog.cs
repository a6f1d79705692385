using Vigil.Core.Storage;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb;

/// <summary>The WAL as readers that tail it see it (<see cref="IWriteLog"/>): what the remote-write sender reads.</summary>
public sealed partial class TsdbStorage : IWriteLog
{
    private WalWriteLog? _writeLog;

    private WalWriteLog WriteLog => _writeLog ?? throw new InvalidOperationException("the storage has no write-ahead log (it was opened read-only)");

    /// <inheritdoc />
    public int FirstSegment => WriteLog.FirstSegment;

    /// <inheritdoc />
    public int LastSegment => WriteLog.LastSegment;

    /// <inheritdoc />
    public long SegmentSize(int segment) => WriteLog.SegmentSize(segment);

    /// <inheritdoc />
    public void ReadCheckpointSeries(List<LoggedSeries> into) => WriteLog.ReadCheckpointSeries(into);

    /// <inheritdoc />
    public IWriteLogReader Open(WriteLogPosition from) => WriteLog.Open(from);

    /// <inheritdoc />
    public void Retain(string consumer, WriteLogRetention? retention) => WriteLog.Retain(consumer, retention);
}
