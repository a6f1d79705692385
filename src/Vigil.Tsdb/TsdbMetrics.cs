using System.Diagnostics.Metrics;

namespace Vigil.Tsdb;

/// <summary>Publishes TSDB statistics as <c>System.Diagnostics.Metrics</c> instruments on the <c>Vigil.Tsdb</c> meter.</summary>
internal sealed class TsdbMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Tsdb";

    private readonly Meter _meter;

    public TsdbMetrics(TsdbStorage db)
    {
        _meter = new Meter(MeterName);
        var head = db.Head;
        _meter.CreateObservableGauge("vigil.tsdb.head.series", () => (long)head.SeriesCount, description: "Series in the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.samples_appended", () => head.Stats.SamplesAppended, description: "Samples committed into the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.series_created", () => head.Stats.SeriesCreated, description: "Series created in the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.series_removed", () => head.Stats.SeriesRemoved, description: "Series removed from the head by truncation.");
        _meter.CreateObservableCounter("vigil.tsdb.out_of_order_samples", () => head.Stats.OutOfOrderSamples, description: "Samples refused as out of order.");
        _meter.CreateObservableCounter("vigil.tsdb.duplicate_samples", () => head.Stats.DuplicateSamples, description: "Samples refused: same timestamp, different value.");
        _meter.CreateObservableCounter("vigil.tsdb.too_old_samples", () => head.Stats.TooOldSamples, description: "Samples refused as older than the head accepts.");
        _meter.CreateObservableCounter("vigil.tsdb.too_far_in_future_samples", () => head.Stats.TooFarInFutureSamples, description: "Samples refused because their timestamp lay beyond the clock plus the max-future-timestamp margin.");
        _meter.CreateObservableCounter("vigil.tsdb.out_of_space_errors", () => head.Stats.OutOfSpaceErrors, description: "Commits refused because the disk was full (nothing of them was stored).");
        _meter.CreateObservableCounter("vigil.tsdb.wal.corruptions", () => db.WalCorruptions, description: "WAL corruptions (segments, checkpoints, undecodable records) found and repaired or skipped at start-up.");
        _meter.CreateObservableCounter("vigil.tsdb.invalid_label_samples", () => head.Stats.InvalidLabelSamples, description: "Samples refused for invalid labels.");
        _meter.CreateObservableGauge("vigil.tsdb.head.chunks_bytes", head.ChunkBytes, unit: "By", description: "Bytes held by head chunk buffers.");
        _meter.CreateObservableGauge("vigil.tsdb.blocks.loaded", () => (long)db.Blocks.Count, description: "Blocks currently serving queries.");
        _meter.CreateObservableGauge("vigil.tsdb.storage.blocks.bytes", () => db.BlockBytes, unit: "By", description: "Bytes of all blocks on disk.");
        _meter.CreateObservableCounter("vigil.tsdb.blocks.quarantined", () => db.BlocksQuarantined, description: "Blocks moved aside as corrupted (a chunk failed its CRC when verified or read).");
        _meter.CreateObservableCounter("vigil.tsdb.compactions", () => db.Compactions, description: "Block compactions completed.");
        _meter.CreateObservableCounter("vigil.tsdb.compactions_failed", () => db.CompactionFailures, description: "Block compactions that failed.");
        _meter.CreateObservableCounter("vigil.tsdb.head.compactions", () => db.HeadCompactions, description: "Head ranges written out as blocks.");
        _meter.CreateObservableCounter("vigil.tsdb.retention.deleted_blocks", () => db.RetentionDeletions, description: "Blocks deleted by retention.");
        if (db.Wal is { } wal)
        {
            var m = wal.Metrics;
            _meter.CreateObservableCounter("vigil.tsdb.wal.fsyncs", () => m.FsyncCount, description: "WAL fsync calls.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.fsync.duration", () => m.FsyncSecondsTotal, unit: "s", description: "Total seconds spent in WAL fsync.");
            _meter.CreateObservableGauge("vigil.tsdb.wal.fsync.last_duration", () => m.LastFsyncSeconds, unit: "s", description: "Duration of the last WAL fsync.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.written", () => m.BytesWritten, unit: "By", description: "Bytes written to the WAL.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.writes_failed", () => m.WritesFailed, description: "WAL writes or fsyncs that failed with an I/O error.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.records", () => m.RecordsWritten, description: "Records written to the WAL.");
            _meter.CreateObservableGauge("vigil.tsdb.wal.segment.current", () => (long)m.CurrentSegment, description: "Index of the WAL segment being written.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.corruptions_repaired", () => m.CorruptionsRepaired, description: "WAL corruptions repaired at start-up.");
            _meter.CreateObservableCounter("vigil.tsdb.wal.checkpoints", () => m.CheckpointsCreated, description: "WAL checkpoints created.");
        }
        _meter.CreateObservableGauge("vigil.tsdb.head.min_time", () => head.MinTime == long.MaxValue ? 0 : head.MinTime, unit: "ms", description: "Oldest timestamp in the head.");
        _meter.CreateObservableGauge("vigil.tsdb.head.max_time", () => head.MaxTime == long.MinValue ? 0 : head.MaxTime, unit: "ms", description: "Newest timestamp in the head.");
    }

    public void Dispose() => _meter.Dispose();
}
