using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Tsdb.Wal;

/// <summary>A write-ahead log as readers that tail it see it (<see cref="IWriteLog"/>), and the segments they keep from truncation.</summary>
/// <remarks>Thread-safe. Shared by the TSDB and the agent storage.</remarks>
internal sealed class WalWriteLog(WriteAheadLog wal, ILogger log) : IWriteLog
{
    private readonly WriteAheadLog _wal = wal;
    private readonly string _directory = wal.Directory;
    private readonly ILogger _log = log;
    private readonly Dictionary<string, WriteLogRetention> _retentions = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public int FirstSegment
    {
        get
        {
            var segments = SegmentFiles.List(_directory);
            return segments.Count == 0 ? -1 : segments[0];
        }
    }

    /// <inheritdoc />
    public int LastSegment => _wal.LastSegment;

    /// <inheritdoc />
    public long SegmentSize(int segment)
    {
        var file = new FileInfo(SegmentFiles.PathOf(_directory, segment));
        return file.Exists ? file.Length : 0;
    }

    /// <inheritdoc />
    public void ReadCheckpointSeries(List<LoggedSeries> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        // Note: truncation may replace the checkpoint while it is read; the next one holds the same series and more.
        for (int attempt = 0; ; attempt++)
        {
            if (Checkpoint.FindLast(_directory) is not { } checkpoint)
            {
                return;
            }
            int initial = into.Count;
            try
            {
                var inner = SegmentFiles.List(checkpoint.Directory);
                if (inner.Count == 0)
                {
                    return;
                }
                using var reader = WalReader.Open(checkpoint.Directory, inner[0], inner[^1]);
                var decoder = new WalRecordDecoder();
                var series = new List<WalSeries>();
                while (reader.Next())
                {
                    if (WalRecords.GetRecordType(reader.Record) != WalRecordType.Series)
                    {
                        continue;
                    }
                    series.Clear();
                    decoder.DecodeSeries(reader.Record, series);
                    foreach (var s in series)
                    {
                        into.Add(new LoggedSeries(s.Ref, s.Labels));
                    }
                }
                return;
            }
            catch (Exception e) when (attempt < 3 && e is WalCorruptionException or IOException)
            {
                into.RemoveRange(initial, into.Count - initial);
            }
        }
    }

    /// <inheritdoc />
    public IWriteLogReader Open(WriteLogPosition from)
    {
        return new WalTailReader(_directory, from, () => _wal.LastSegment);
    }

    /// <inheritdoc />
    public void Retain(string consumer, WriteLogRetention? retention)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        lock (_retentions)
        {
            if (retention is { } r)
            {
                _retentions[consumer] = r;
            }
            else
            {
                _retentions.Remove(consumer);
            }
        }
    }

    /// <summary>
    /// The highest segment truncation may delete, at most <paramref name="last"/>: below every reader's retention mark,
    /// unless that reader's segments take more than its budget, in which case its oldest segments are released (logged).
    /// </summary>
    public int TruncationLimit(int last, List<int> segments)
    {
        KeyValuePair<string, WriteLogRetention>[] marks;
        lock (_retentions)
        {
            marks = [.. _retentions];
        }
        int limit = last;
        foreach (var (consumer, mark) in marks)
        {
            if (mark.Segment > last)
            {
                continue;
            }
            int keepFrom = mark.Segment;
            if (mark.MaxBytes > 0)
            {
                long bytes = 0;
                foreach (int index in segments)
                {
                    if (index >= keepFrom)
                    {
                        bytes += SegmentSize(index);
                    }
                }
                while (bytes > mark.MaxBytes && keepFrom <= last)
                {
                    bytes -= SegmentSize(keepFrom);
                    keepFrom++;
                }
                if (keepFrom != mark.Segment)
                {
                    _log.LogError(
                        "WAL segments {From} to {To} are released although {Consumer} has not read them: they exceed its disk budget of {Budget} bytes; their samples will never reach it",
                        mark.Segment, keepFrom - 1, consumer, mark.MaxBytes);
                }
            }
            limit = Math.Min(limit, keepFrom - 1);
        }
        return limit;
    }
}
