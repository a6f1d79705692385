using System.Globalization;
using System.Runtime.InteropServices;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Checkpoints compact a prefix of the log (Prometheus <c>wlog.Checkpoint</c>): the previous checkpoint plus a range of
/// segments are filtered down to the series still alive and the samples still recent, and written as
/// <c>checkpoint.&lt;last segment:D8&gt;/</c>, after which the caller deletes the covered segments with
/// <see cref="WriteAheadLog.Truncate"/>.
/// </summary>
/// <remarks>
/// Crash safety: a checkpoint is written to <c>checkpoint.N.tmp/</c>, fsynced, renamed to <c>checkpoint.N/</c> and the rename
/// fsynced; replay only reads directories without the <c>.tmp</c> suffix, and <see cref="WriteAheadLog.Open"/> deletes
/// leftover <c>.tmp</c> directories. Until the covered segments are deleted, replay skips them because they are at or
/// before the checkpoint's index. Not safe to run twice concurrently on the same directory.
/// </remarks>
public static class Checkpoint
{
    private const string Prefix = "checkpoint.";
    private const string TemporarySuffix = ".tmp";
    private const int FlushThreshold = 1024 * 1024;

    /// <summary>The directory name of the checkpoint covering segments up to <paramref name="index"/>: <c>checkpoint.00000012</c>.</summary>
    public static string DirectoryName(int index) => Prefix + SegmentFiles.Name(index);

    /// <summary>The checkpoint with the highest index in <paramref name="walDirectory"/>, or null when there is none.</summary>
    public static CheckpointInfo? FindLast(string walDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(walDirectory);
        string dir = Path.GetFullPath(walDirectory);
        if (!System.IO.Directory.Exists(dir))
        {
            return null;
        }
        int best = -1;
        foreach (var path in System.IO.Directory.EnumerateDirectories(dir))
        {
            if (TryParseName(Path.GetFileName(path.AsSpan()), out int index) && index > best)
            {
                best = index;
            }
        }
        return best < 0 ? null : new CheckpointInfo(Path.Combine(dir, DirectoryName(best)), best);
    }

    /// <summary>
    /// Writes <c>checkpoint.&lt;toSegment&gt;</c> from the last checkpoint and segments <paramref name="fromSegment"/> to
    /// <paramref name="toSegment"/> (inclusive), keeping the series for which <paramref name="keepSeries"/> returns true
    /// and the samples of kept series with a timestamp at or after <paramref name="minTime"/>; then deletes older checkpoints.
    /// </summary>
    /// <param name="walDirectory">The log directory.</param>
    /// <param name="fromSegment">The first segment to read; when a checkpoint exists, reading starts right after it instead.</param>
    /// <param name="toSegment">The last segment to read; it must not be the segment being written.</param>
    /// <param name="keepSeries">True for series references that are still alive. Called once per series and per sample.</param>
    /// <param name="minTime">Samples older than this (milliseconds since the epoch) are dropped.</param>
    /// <param name="metrics">Counts the created or failed checkpoint; usually <see cref="WriteAheadLog.Metrics"/>.</param>
    /// <param name="log">Receives one line about the created checkpoint; may be null.</param>
    /// <exception cref="WalCorruptionException">A segment to read is damaged or missing; no checkpoint is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toSegment"/> is not after the last checkpoint.</exception>
    /// <exception cref="InvalidOperationException">Segments between the last checkpoint and <paramref name="fromSegment"/> would be skipped.</exception>
    public static CheckpointStats Create(string walDirectory, int fromSegment, int toSegment, Func<ulong, bool> keepSeries, long minTime,
        WalMetrics? metrics = null, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(walDirectory);
        ArgumentNullException.ThrowIfNull(keepSeries);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSegment);
        ArgumentOutOfRangeException.ThrowIfLessThan(toSegment, fromSegment);
        string walDir = Path.GetFullPath(walDirectory);
        CheckpointStats stats;
        string final = Path.Combine(walDir, DirectoryName(toSegment));
        try
        {
            var sources = new List<WalReader.Source>();
            if (FindLast(walDir) is { } last)
            {
                if (toSegment <= last.Index)
                {
                    throw new ArgumentOutOfRangeException(nameof(toSegment), toSegment,
                        $"segment {toSegment} is already covered by checkpoint {last.Index}");
                }
                if (fromSegment > last.Index + 1)
                {
                    throw new InvalidOperationException(
                        $"checkpoint from segment {fromSegment} would skip segments {last.Index + 1}..{fromSegment - 1} after the last checkpoint {last.Index}");
                }
                // Note: segments up to the last checkpoint are already in it (they may linger after a failed truncation).
                fromSegment = last.Index + 1;
                var inner = SegmentFiles.List(last.Directory);
                for (int i = 0; inner.Count > 0 && i <= inner[^1]; i++)
                {
                    sources.Add(new WalReader.Source(last.Directory, i, InCheckpoint: true));
                }
            }
            for (int i = fromSegment; i <= toSegment; i++)
            {
                sources.Add(new WalReader.Source(walDir, i, InCheckpoint: false));
            }

            string temporary = final + TemporarySuffix;
            DeleteDirectory(temporary);
            try
            {
                stats = Write(sources, temporary, keepSeries, minTime, log);
                NativeFileSystem.SyncDirectory(temporary);
                // Note: a directory of this name can only be a stale copy (the index is after the last checkpoint).
                DeleteDirectory(final);
                System.IO.Directory.Move(temporary, final);
                NativeFileSystem.SyncDirectory(walDir);
            }
            catch
            {
                TryDeleteDirectory(temporary, log);
                throw;
            }
            metrics?.AddCheckpointCreated();
        }
        catch
        {
            metrics?.AddCheckpointFailed();
            throw;
        }
        try
        {
            DeleteOlderThan(walDir, toSegment);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Note: the new checkpoint is complete; older ones are only garbage and go at the next truncation or open.
            log?.Invoke($"wal: could not delete checkpoints older than {DirectoryName(toSegment)}: {ex.Message}");
        }
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"wal: created {DirectoryName(toSegment)} from segments {fromSegment}..{toSegment}: kept {stats.TotalSeries - stats.DroppedSeries} of {stats.TotalSeries} series, {stats.TotalSamples - stats.DroppedSamples} of {stats.TotalSamples} samples"));
        return stats;
    }

    /// <summary>
    /// Cuts a damaged checkpoint at the damage, as <see cref="WriteAheadLog.Repair"/> cuts a segment: the damaged
    /// segment of the checkpoint is truncated at <see cref="WalCorruptionException.Offset"/> (created empty when it is
    /// missing) and its later segments are deleted, so the checkpoint holds exactly the records that replayed. Writes one
    /// line to <paramref name="log"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The corruption is not inside a checkpoint.</exception>
    /// <exception cref="IOException">The checkpoint could not be rewritten.</exception>
    public static void Repair(WalCorruptionException corruption, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(corruption);
        if (!corruption.InCheckpoint)
        {
            throw new ArgumentException("the corruption is not inside a checkpoint; use WriteAheadLog.Repair", nameof(corruption));
        }
        string dir = Path.GetFullPath(corruption.Directory);
        int deleted = 0;
        foreach (int index in SegmentFiles.List(dir))
        {
            if (index > corruption.Segment)
            {
                File.Delete(SegmentFiles.PathOf(dir, index));
                deleted++;
            }
        }
        // Note: a missing segment is recreated empty so the checkpoint's segments stay gap-free for the next replay.
        using (var handle = File.OpenHandle(SegmentFiles.PathOf(dir, corruption.Segment), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete))
        {
            if (RandomAccess.GetLength(handle) > corruption.Offset)
            {
                RandomAccess.SetLength(handle, corruption.Offset);
            }
            RandomAccess.FlushToDisk(handle);
        }
        NativeFileSystem.SyncDirectory(dir);
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"wal: repaired corruption in {Path.GetFileName(dir)} segment {SegmentFiles.Name(corruption.Segment)} at offset {corruption.Offset} ({corruption.Reason}): truncated it there and deleted {deleted} later checkpoint segment(s)"));
    }

    /// <summary>Deletes leftover <c>checkpoint.*.tmp</c> directories and every checkpoint older than the last one.</summary>
    internal static void DeleteLeftovers(string walDirectory, Action<string>? log)
    {
        foreach (var path in System.IO.Directory.EnumerateDirectories(walDirectory, Prefix + "*" + TemporarySuffix))
        {
            var name = Path.GetFileName(path.AsSpan());
            if (TryParseName(name[..^TemporarySuffix.Length], out _))
            {
                DeleteDirectory(path);
                log?.Invoke($"wal: deleted the unfinished checkpoint {path}");
            }
        }
        if (FindLast(walDirectory) is { } last)
        {
            DeleteOlderThan(walDirectory, last.Index);
        }
    }

    /// <summary>Deletes the checkpoints with an index below <paramref name="index"/>; returns how many.</summary>
    internal static int DeleteOlderThan(string walDirectory, int index)
    {
        int deleted = 0;
        foreach (var path in System.IO.Directory.EnumerateDirectories(walDirectory))
        {
            if (TryParseName(Path.GetFileName(path.AsSpan()), out int i) && i < index)
            {
                DeleteDirectory(path);
                deleted++;
            }
        }
        return deleted;
    }

    private static CheckpointStats Write(List<WalReader.Source> sources, string directory, Func<ulong, bool> keepSeries, long minTime, Action<string>? log)
    {
        long totalSeries = 0, droppedSeries = 0, totalSamples = 0, droppedSamples = 0, droppedRecords = 0;
        var decoder = new WalRecordDecoder();
        var series = new List<WalSeries>();
        var keptSeries = new List<WalSeries>();
        var samples = new List<WalSample>();
        var keptSamples = new List<WalSample>();
        var recordEnds = new List<int>();
        var memories = new List<ReadOnlyMemory<byte>>();
        using var batch = new PooledBufferWriter(FlushThreshold + 64 * 1024);
        using (var reader = new WalReader(sources))
        using (var writer = WriteAheadLog.OpenForCheckpoint(directory, log))
        {
            while (reader.Next())
            {
                var record = reader.Record;
                int before = batch.WrittenCount;
                try
                {
                    switch (WalRecords.GetRecordType(record))
                    {
                        case WalRecordType.Series:
                            series.Clear();
                            keptSeries.Clear();
                            decoder.DecodeSeries(record, series);
                            foreach (var s in series)
                            {
                                if (keepSeries(s.Ref))
                                {
                                    keptSeries.Add(s);
                                }
                            }
                            totalSeries += series.Count;
                            droppedSeries += series.Count - keptSeries.Count;
                            if (keptSeries.Count == series.Count)
                            {
                                batch.Write(record);
                            }
                            else if (keptSeries.Count > 0)
                            {
                                WalRecords.EncodeSeries(CollectionsMarshal.AsSpan(keptSeries), batch);
                            }
                            break;
                        case WalRecordType.Samples:
                            samples.Clear();
                            keptSamples.Clear();
                            decoder.DecodeSamples(record, samples);
                            foreach (var s in samples)
                            {
                                if (s.T >= minTime && keepSeries(s.Ref))
                                {
                                    keptSamples.Add(s);
                                }
                            }
                            totalSamples += samples.Count;
                            droppedSamples += samples.Count - keptSamples.Count;
                            if (keptSamples.Count == samples.Count)
                            {
                                batch.Write(record);
                            }
                            else if (keptSamples.Count > 0)
                            {
                                WalRecords.EncodeSamples(CollectionsMarshal.AsSpan(keptSamples), batch);
                            }
                            break;
                        default:
                            droppedRecords++;
                            break;
                    }
                }
                catch (InvalidDataException ex)
                {
                    throw new InvalidDataException($"checkpoint: the record at {reader.Position} cannot be decoded: {ex.Message}", ex);
                }
                if (batch.WrittenCount > before)
                {
                    recordEnds.Add(batch.WrittenCount);
                }
                if (batch.WrittenCount >= FlushThreshold)
                {
                    Flush(writer, batch, recordEnds, memories);
                }
            }
            Flush(writer, batch, recordEnds, memories);
        }
        return new CheckpointStats(totalSeries, droppedSeries, totalSamples, droppedSamples, droppedRecords);
    }

    private static void Flush(WriteAheadLog writer, PooledBufferWriter batch, List<int> recordEnds, List<ReadOnlyMemory<byte>> memories)
    {
        if (recordEnds.Count == 0)
        {
            return;
        }
        var written = batch.WrittenMemory;
        memories.Clear();
        int start = 0;
        foreach (int end in recordEnds)
        {
            memories.Add(written[start..end]);
            start = end;
        }
        writer.Log(CollectionsMarshal.AsSpan(memories));
        memories.Clear();
        recordEnds.Clear();
        batch.Reset();
    }

    private static bool TryParseName(ReadOnlySpan<char> name, out int index)
    {
        index = 0;
        return name.StartsWith(Prefix, StringComparison.Ordinal) && SegmentFiles.TryParse(name[Prefix.Length..], out index);
    }

    private static void DeleteDirectory(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
    }

    private static void TryDeleteDirectory(string path, Action<string>? log)
    {
        try
        {
            DeleteDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"wal: could not delete the unfinished checkpoint {path}: {ex.Message}");
        }
    }
}
