using Vigil.Core.Storage;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Follows the log from a position (Prometheus <c>wlog.Watcher</c>'s reading side): reads a segment to its current end,
/// moves to the next once the writer has moved past it, and waits at a torn frame at the end of the live segment.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class WalTailReader(string directory, WriteLogPosition start, Func<int> lastSegment) : IWriteLogReader
{
    private readonly WalRecordDecoder _decoder = new();
    private readonly List<WalSeries> _series = [];
    private readonly List<WalSample> _samples = [];
    private WalReader? _reader;
    private bool _sealed;
    private int _segment = start.Segment;
    private long _offset = start.Offset;
    private bool _disposed;

    public WriteLogPosition Position { get; private set; } = start;

    public WriteLogRecordKind Next(List<LoggedSeries> series, List<LoggedSample> samples)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        series.Clear();
        samples.Clear();
        while (true)
        {
            if (_reader is null)
            {
                // Note: decide whether the segment is complete before reading it, so that its final records are read
                // before moving on even when the writer finishes it while we read.
                _sealed = _segment < lastSegment();
                string path = SegmentFiles.PathOf(directory, _segment);
                if (!File.Exists(path))
                {
                    if (!_sealed)
                    {
                        return WriteLogRecordKind.None;
                    }
                    var gapEnd = NextExisting();
                    throw new WriteLogGapException($"WAL segment {SegmentFiles.Name(_segment)} no longer exists", _segment, gapEnd);
                }
                _reader = WalReader.OpenAt(directory, _segment, _offset);
            }
            bool read;
            try
            {
                read = _reader.Next();
            }
            catch (WalCorruptionException e)
            {
                CloseReader();
                if (!_sealed)
                {
                    // A frame being written: try again later.
                    return WriteLogRecordKind.None;
                }
                var resume = new WriteLogPosition(_segment + 1, 0);
                throw new WriteLogGapException($"WAL segment {SegmentFiles.Name(_segment)} is damaged at offset {e.Offset}: {e.Reason}", _segment, resume);
            }
            if (!read)
            {
                CloseReader();
                if (!_sealed)
                {
                    return WriteLogRecordKind.None;
                }
                _segment++;
                _offset = 0;
                continue;
            }
            Position = new WriteLogPosition(_segment, _reader.Position.Offset);
            _offset = _reader.FrameEnd;
            var record = _reader.Record;
            switch (WalRecords.GetRecordType(record))
            {
                case WalRecordType.Series:
                    _series.Clear();
                    _decoder.DecodeSeries(record, _series);
                    foreach (var s in _series)
                    {
                        series.Add(new LoggedSeries(s.Ref, s.Labels));
                    }
                    return WriteLogRecordKind.Series;
                case WalRecordType.Samples:
                    _samples.Clear();
                    _decoder.DecodeSamples(record, _samples);
                    foreach (var s in _samples)
                    {
                        samples.Add(new LoggedSample(s.Ref, s.T, s.V));
                    }
                    return WriteLogRecordKind.Samples;
                default:
                    return WriteLogRecordKind.Other;
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        CloseReader();
    }

    private WriteLogPosition NextExisting()
    {
        foreach (int index in SegmentFiles.List(directory))
        {
            if (index > _segment)
            {
                return new WriteLogPosition(index, 0);
            }
        }
        return new WriteLogPosition(lastSegment(), 0);
    }

    private void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
    }
}
