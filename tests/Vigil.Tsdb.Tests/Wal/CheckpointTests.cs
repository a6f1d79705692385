using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Tsdb.Wal;
using static Vigil.Tsdb.Tests.Wal.WalTestHelpers;

namespace Vigil.Tsdb.Tests.Wal;

public sealed class CheckpointTests
{
    private const long MinTime = 1_000;

    [Fact]
    public void Create_KeepsLiveSeriesAndRecentSamples_ReplayReadsCheckpointThenLaterSegments()
    {
        using var tmp = new TempDirectory();
        var lines = new List<string>();
        using var wal = OpenWal(tmp.Path, segmentSize: 200);
        WriteHistory(wal);
        int last = wal.LastSegment;
        Assert.Equal(2, last);

        var stats = Checkpoint.Create(wal.Directory, 0, last - 1, IsAlive, MinTime, wal.Metrics, lines.Add);
        wal.Truncate(last);

        Assert.Equal(new CheckpointInfo(Path.Combine(wal.Directory, Checkpoint.DirectoryName(last - 1)), last - 1), Checkpoint.FindLast(wal.Directory));
        Assert.Equal(1, wal.Metrics.CheckpointsCreated);
        Assert.Equal(6, stats.TotalSeries);
        Assert.Equal(3, stats.DroppedSeries);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"wal: created checkpoint.{last - 1:D8} from segments 0..{last - 1}"), Assert.Single(lines), StringComparison.Ordinal);
        Assert.Equal([string.Create(CultureInfo.InvariantCulture, $"{last:D8}")], Directory.EnumerateFiles(wal.Directory).Select(Path.GetFileName));

        wal.Log(SamplesRecord(new WalSample(2, 5_000, 50)));
        var (series, samples, positions) = Replay(wal.Directory);

        Assert.Equal([2UL, 4UL, 6UL], series.Select(s => s.Ref));
        Assert.Equal(LabelSet.Of("__name__", "m", "i", "2"), series[0].Labels);
        // Samples of live series at or after MinTime, in log order, then the record logged after the checkpoint.
        Assert.Equal(
            [new WalSample(2, 1_000, 21), new WalSample(4, 1_000, 41), new WalSample(6, 1_500, 61), new WalSample(2, 2_000, 22), new WalSample(2, 5_000, 50)],
            samples);
        Assert.True(positions.Take(positions.Count - 1).All(p => p.InCheckpoint));
        Assert.Equal(new WalPosition(wal.LastSegment, 0, false), positions[^1]);
    }

    [Fact]
    public void Create_SecondCheckpoint_ReadsPreviousOneAndDeletesIt()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, segmentSize: 200);
        WriteHistory(wal);
        int first = wal.LastSegment - 1;
        Checkpoint.Create(wal.Directory, 0, first, IsAlive, MinTime, wal.Metrics);
        wal.Truncate(first + 1);
        wal.Log(SamplesRecord(new WalSample(4, 3_000, 43)));
        wal.Log(new byte[300]);
        int second = wal.LastSegment - 1;

        var stats = Checkpoint.Create(wal.Directory, first + 1, second, r => r == 4, MinTime, wal.Metrics);
        wal.Truncate(second + 1);

        Assert.Equal(2, wal.Metrics.CheckpointsCreated);
        Assert.Equal(3, stats.TotalSeries);
        Assert.Equal(1, stats.DroppedRecords);
        Assert.Equal([Checkpoint.DirectoryName(second)], Directory.EnumerateDirectories(wal.Directory).Select(Path.GetFileName));
        var (series, samples, _) = Replay(wal.Directory);
        Assert.Equal([4UL], series.Select(s => s.Ref));
        Assert.Equal([new WalSample(4, 1_000, 41), new WalSample(4, 3_000, 43)], samples);
    }

    [Fact]
    public void Open_LeftoverTemporaryCheckpoint_IsDeletedAndIgnoredByReplay()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 200))
        {
            WriteHistory(wal);
        }
        // A crash while writing checkpoint.00000001: a half-written .tmp directory with garbage in it.
        string leftover = tmp.Combine("checkpoint.00000001.tmp");
        Directory.CreateDirectory(leftover);
        File.WriteAllBytes(Path.Combine(leftover, "00000000"), [0x01, 0xFF, 0xFF, 0xFF, 0x7F, 0x00]);
        Assert.Null(Checkpoint.FindLast(tmp.Path));
        var (_, before, _) = Replay(tmp.Path);

        var lines = new List<string>();
        using var reopened = OpenWal(tmp.Path, log: lines.Add);

        Assert.False(Directory.Exists(leftover));
        Assert.Contains(lines, l => l.Contains("deleted the unfinished checkpoint", StringComparison.Ordinal));
        var (_, after, _) = Replay(tmp.Path);
        Assert.Equal(before, after);
        Assert.Equal(9, after.Count);
    }

    [Fact]
    public void Replay_CrashAfterCheckpointBeforeTruncate_DoesNotDuplicateRecords()
    {
        using var tmp = new TempDirectory();
        int covered;
        using (var wal = OpenWal(tmp.Path, segmentSize: 200))
        {
            WriteHistory(wal);
            covered = wal.LastSegment - 1;
            Checkpoint.Create(wal.Directory, 0, covered, _ => true, long.MinValue);
            // No Truncate: the process dies here, the covered segments are still on disk.
        }

        using var reopened = OpenWal(tmp.Path);
        Assert.Equal(covered + 2, reopened.LastSegment);
        var (series, samples, _) = Replay(tmp.Path);

        Assert.Equal(6, series.Count);
        Assert.Equal(9, samples.Count);
    }

    [Fact]
    public void Open_OlderCheckpointLeftBehind_IsDeleted()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 200))
        {
            WriteHistory(wal);
            Checkpoint.Create(wal.Directory, 0, 1, _ => true, long.MinValue);
        }
        Directory.CreateDirectory(tmp.Combine("checkpoint.00000000"));

        using var reopened = OpenWal(tmp.Path);

        Assert.Equal(["checkpoint.00000001"], Directory.EnumerateDirectories(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Open_CheckpointWithoutLaterSegments_StartsAfterCheckpoint()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 200))
        {
            WriteHistory(wal);
            Checkpoint.Create(wal.Directory, 0, 1, _ => true, long.MinValue);
        }
        foreach (var f in Directory.EnumerateFiles(tmp.Path))
        {
            File.Delete(f);
        }

        using var reopened = OpenWal(tmp.Path);
        reopened.Log(SamplesRecord(new WalSample(1, 9_000, 9)));

        Assert.Equal(2, reopened.LastSegment);
        var (_, samples, _) = Replay(tmp.Path);
        Assert.Equal(new WalSample(1, 9_000, 9), samples[^1]);
    }

    [Fact]
    public void Create_DamagedSegment_FailsWithoutLeavingDirectories()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, segmentSize: 200);
        WriteHistory(wal);
        string segment = SegmentPath(wal.Directory, 1);
        byte[] bytes = File.ReadAllBytes(segment);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        var ex = Assert.Throws<WalCorruptionException>(() => Checkpoint.Create(wal.Directory, 0, 1, IsAlive, MinTime, wal.Metrics));

        Assert.Equal(1, ex.Segment);
        Assert.Equal(1, wal.Metrics.CheckpointsFailed);
        Assert.Equal(0, wal.Metrics.CheckpointsCreated);
        Assert.Empty(Directory.EnumerateDirectories(wal.Directory));
    }

    [Fact]
    public void Create_RangeAlreadyCoveredOrGap_Throws()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, segmentSize: 200);
        WriteHistory(wal);
        Checkpoint.Create(wal.Directory, 0, 1, _ => true, long.MinValue);

        Assert.Throws<ArgumentOutOfRangeException>(() => Checkpoint.Create(wal.Directory, 0, 1, _ => true, 0));
        var gap = Assert.Throws<InvalidOperationException>(() => Checkpoint.Create(wal.Directory, 3, 3, _ => true, 0));
        Assert.Contains("would skip segments 2..2", gap.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateCheckpoint_OnTheLog_RefusesTheSegmentBeingWrittenAndCountsSuccess()
    {
        using var tmp = new TempDirectory();
        var lines = new List<string>();
        using var wal = OpenWal(tmp.Path, segmentSize: 200, log: lines.Add);
        WriteHistory(wal);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => wal.CreateCheckpoint(0, wal.LastSegment, IsAlive, MinTime));
        Assert.Contains("being written", ex.Message, StringComparison.Ordinal);
        Assert.Null(Checkpoint.FindLast(tmp.Path));

        var stats = wal.CreateCheckpoint(0, wal.LastSegment - 1, IsAlive, MinTime);

        Assert.Equal(new CheckpointStats(6, 3, 9, 5, 0), stats);
        Assert.Equal(1, wal.Metrics.CheckpointsCreated);
        Assert.Contains(lines, l => l.StartsWith("wal: created checkpoint.00000001", StringComparison.Ordinal));
    }

    private static bool IsAlive(ulong reference) => reference % 2 == 0;

    /// <summary>Six series (refs 1-6) and nine samples at times 500-2000, spread over several 200-byte segments.</summary>
    private static void WriteHistory(WriteAheadLog wal)
    {
        var series = new List<WalSeries>();
        for (ulong r = 1; r <= 6; r++)
        {
            series.Add(new WalSeries(r, LabelSet.Of("__name__", "m", "i", r.ToString(CultureInfo.InvariantCulture))));
        }
        using (var buffer = new PooledBufferWriter())
        {
            WalRecords.EncodeSeries(series.ToArray()[..3], buffer);
            wal.Log(buffer.WrittenSpan);
            buffer.Reset();
            WalRecords.EncodeSeries(series.ToArray()[3..], buffer);
            wal.Log(buffer.WrittenSpan);
        }
        wal.Log(SamplesRecord(new WalSample(1, 500, 10), new WalSample(2, 500, 20), new WalSample(3, 500, 30)));
        wal.Log(SamplesRecord(new WalSample(1, 1_000, 11), new WalSample(2, 1_000, 21), new WalSample(4, 1_000, 41)));
        wal.Log(SamplesRecord(new WalSample(5, 1_500, 51), new WalSample(6, 1_500, 61)));
        wal.Log(SamplesRecord(new WalSample(2, 2_000, 22)));
        // Fill the current segment so the history is complete before the segment being written.
        wal.Log(new byte[190]);
    }

    private static byte[] SamplesRecord(params WalSample[] samples)
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples(samples, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static (List<WalSeries> Series, List<WalSample> Samples, List<WalPosition> Positions) Replay(string dir)
    {
        var series = new List<WalSeries>();
        var samples = new List<WalSample>();
        var positions = new List<WalPosition>();
        var decoder = new WalRecordDecoder();
        using var reader = WalReader.OpenReplay(dir);
        while (reader.Next())
        {
            switch (WalRecords.GetRecordType(reader.Record))
            {
                case WalRecordType.Series:
                    decoder.DecodeSeries(reader.Record, series);
                    positions.Add(reader.Position);
                    break;
                case WalRecordType.Samples:
                    decoder.DecodeSamples(reader.Record, samples);
                    positions.Add(reader.Position);
                    break;
            }
        }
        return (series, samples, positions);
    }
}
