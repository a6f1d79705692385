using System.Globalization;
using Vigil.Tsdb.Wal;
using static Vigil.Tsdb.Tests.Wal.WalTestHelpers;

namespace Vigil.Tsdb.Tests.Wal;

public sealed class WriteAheadLogTests
{
    [Fact]
    public void Open_EmptyDirectory_CreatesFirstSegmentNamedWithEightDigits()
    {
        using var tmp = new TempDirectory();
        string dir = tmp.Combine("wal");

        using var wal = OpenWal(dir);

        Assert.Equal(0, wal.LastSegment);
        Assert.True(File.Exists(Path.Combine(dir, "00000000")));
        Assert.Equal(Path.GetFullPath(dir), wal.Directory);
    }

    [Fact]
    public void Open_ExistingLog_StartsNewSegmentAfterLast()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path))
        {
            wal.Log(Bytes("a"));
        }

        using var reopened = OpenWal(tmp.Path);
        reopened.Log(Bytes("b"));

        Assert.Equal(1, reopened.LastSegment);
        Assert.Equal(WalFrame.HeaderSize + 1, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
        reopened.Dispose();
        using var reader = WalReader.OpenReplay(tmp.Path);
        Assert.Equal(["a", "b"], ReadAll(reader).Select(r => r.Text));
    }

    [Fact]
    public void Log_RecordsBeyondSegmentSize_RotatesAndKeepsOrder()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 1024))
        {
            for (int i = 0; i < 100; i++)
            {
                wal.Log(Bytes(i.ToString("D100", CultureInfo.InvariantCulture)));
            }
            // 109-byte frames: 9 fit in 1024 bytes, so 100 records need 12 segments.
            Assert.Equal(11, wal.LastSegment);
            Assert.Equal(12, wal.Metrics.SegmentCount);
        }

        for (int s = 0; s <= 11; s++)
        {
            long size = new FileInfo(SegmentPath(tmp.Path, s)).Length;
            Assert.InRange(size, 1, 1024);
        }
        Assert.Equal(9 * 109, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
        using var reader = WalReader.Open(tmp.Path);
        var records = ReadAll(reader);
        Assert.Equal(100, records.Count);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(i.ToString("D100", CultureInfo.InvariantCulture), records[i].Text);
            Assert.Equal(i / 9, records[i].Position.Segment);
            Assert.Equal((i % 9) * 109L, records[i].Position.Offset);
            Assert.False(records[i].Position.InCheckpoint);
        }
    }

    [Fact]
    public void Log_RecordLargerThanSegmentSize_GetsSegmentOfItsOwn()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 1024))
        {
            wal.Log(Bytes("small-1"));
            wal.Log(new byte[3000]);
            wal.Log(Bytes("small-2"));
        }

        Assert.Equal(WalFrame.HeaderSize + 7, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
        Assert.Equal(WalFrame.HeaderSize + 3000, new FileInfo(SegmentPath(tmp.Path, 1)).Length);
        Assert.Equal(WalFrame.HeaderSize + 7, new FileInfo(SegmentPath(tmp.Path, 2)).Length);
        using var reader = WalReader.Open(tmp.Path);
        var records = ReadAll(reader);
        Assert.Equal(3, records.Count);
        Assert.Equal(new string('\0', 3000), records[1].Text);
    }

    [Fact]
    public void LogBatch_DoesNotFitCurrentSegment_GoesWhollyIntoNextSegmentAsOneFrame()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 1024))
        {
            wal.Log(new byte[900]);
            wal.Log(new ReadOnlyMemory<byte>(Bytes(new string('a', 100))), Bytes(new string('b', 100)), Bytes("c"));
            Assert.Equal(4, wal.Metrics.RecordsWritten);
        }

        Assert.Equal(909, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
        // One frame header, then three uvarint-prefixed records.
        Assert.Equal(WalFrame.HeaderSize + 1 + 100 + 1 + 100 + 1 + 1, new FileInfo(SegmentPath(tmp.Path, 1)).Length);
        using var reader = WalReader.Open(tmp.Path);
        var records = ReadAll(reader);
        Assert.Equal(4, records.Count);
        Assert.Equal(new string('a', 100), records[1].Text);
        Assert.Equal(new string('b', 100), records[2].Text);
        Assert.Equal("c", records[3].Text);
        Assert.All(records.Skip(1), r => Assert.Equal(new WalPosition(1, 0, false), r.Position));
    }

    [Fact]
    public void LogBatch_TornInTheMiddle_ReplaysNoneOfItsRecords()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path))
        {
            wal.Log(Bytes("before"));
            wal.Log(new ReadOnlyMemory<byte>(Bytes("one")), Bytes("two"), Bytes("three"));
        }
        string segment = SegmentPath(tmp.Path, 0);
        using (var f = new FileStream(segment, FileMode.Open))
        {
            f.SetLength(f.Length - 4);
        }

        using var reader = WalReader.Open(tmp.Path);
        var (records, corruption) = ReadUntilCorruption(reader);

        Assert.Equal(["before"], records);
        Assert.NotNull(corruption);
        Assert.Equal(WalFrame.HeaderSize + 6, corruption.Offset);
    }

    [Fact]
    public void Log_EmptyRecord_RoundTrips()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path))
        {
            wal.Log(ReadOnlySpan<byte>.Empty);
            wal.Log(new ReadOnlyMemory<byte>([]), new ReadOnlyMemory<byte>([]));
        }

        using var reader = WalReader.Open(tmp.Path);
        Assert.Equal(["", "", ""], ReadAll(reader).Select(r => r.Text));
    }

    [Theory]
    [InlineData(WalSyncMode.Commit)]
    [InlineData(WalSyncMode.Interval)]
    public void Log_ConcurrentWriters_LoseNothingAndKeepPerThreadOrder(WalSyncMode mode)
    {
        using var tmp = new TempDirectory();
        const int threads = 4;
        int perThread = mode == WalSyncMode.Commit ? 300 : 3000;
        using (var wal = OpenWal(tmp.Path, segmentSize: 64 * 1024, mode: mode))
        {
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < perThread; i++)
                {
                    string text = string.Create(CultureInfo.InvariantCulture, $"{t}:{i}");
                    if (i % 10 == 0)
                    {
                        wal.Log(new ReadOnlyMemory<byte>(Bytes(text + ":a")), Bytes(text + ":b"));
                    }
                    else
                    {
                        wal.Log(Bytes(text));
                    }
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());

            long expectedRecords = threads * (perThread + (perThread / 10));
            Assert.Equal(expectedRecords, wal.Metrics.RecordsWritten);
            if (mode == WalSyncMode.Commit)
            {
                // Group commit: writers arriving during an fsync share the next one.
                Assert.InRange(wal.Metrics.FsyncCount, 1, (threads * perThread) - 1);
            }
        }

        using var reader = WalReader.Open(tmp.Path);
        var next = new int[threads];
        int total = 0;
        while (reader.Next())
        {
            var parts = Text(reader.Record).Split(':');
            int t = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int i = int.Parse(parts[1], CultureInfo.InvariantCulture);
            Assert.Equal(next[t], i);
            if (i % 10 == 0)
            {
                Assert.Equal("a", parts[2]);
                Assert.True(reader.Next());
                Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{t}:{i}:b"), Text(reader.Record));
                total++;
            }
            next[t]++;
            total++;
        }
        Assert.All(next, n => Assert.Equal(perThread, n));
        Assert.Equal(threads * (perThread + (perThread / 10)), total);
    }

    [Fact]
    public void Log_CommitMode_ReturnsAfterFsync()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, mode: WalSyncMode.Commit);

        wal.Log(Bytes("x"));

        Assert.Equal(1, wal.Metrics.FsyncCount);
        Assert.True(wal.Metrics.FsyncSecondsTotal > 0);
        Assert.Equal(wal.Metrics.FsyncSecondsTotal, wal.Metrics.LastFsyncSeconds);
        wal.Log(Bytes("y"));
        Assert.Equal(2, wal.Metrics.FsyncCount);
    }

    [Fact]
    public void Log_IntervalMode_DefersFsyncToSyncOrTimer()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, interval: TimeSpan.FromHours(1)))
        {
            wal.Log(Bytes("x"));
            Assert.Equal(0, wal.Metrics.FsyncCount);
            // The bytes are already in the file (page cache) for a reader, before any fsync.
            Assert.Equal(WalFrame.HeaderSize + 1, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
            wal.Sync();
            Assert.Equal(1, wal.Metrics.FsyncCount);
            wal.Sync();
            Assert.Equal(1, wal.Metrics.FsyncCount);
        }

        using var timed = OpenWal(tmp.Combine("timed"), interval: TimeSpan.FromMilliseconds(20));
        timed.Log(Bytes("y"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (timed.Metrics.FsyncCount == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
        Assert.Equal(1, timed.Metrics.FsyncCount);
    }

    [Fact]
    public void Dispose_IntervalMode_FsyncsPendingData()
    {
        using var tmp = new TempDirectory();
        var wal = OpenWal(tmp.Path);
        wal.Log(Bytes("x"));
        Assert.Equal(0, wal.Metrics.FsyncCount);

        wal.Dispose();

        Assert.Equal(1, wal.Metrics.FsyncCount);
        Assert.Throws<ObjectDisposedException>(() => wal.Log(Bytes("y")));
        wal.Dispose();
    }

    [Fact]
    public void Metrics_AfterWrites_MatchFilesOnDisk()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, segmentSize: 256);
        for (int i = 0; i < 20; i++)
        {
            wal.Log(new byte[50]);
        }

        long onDisk = Directory.EnumerateFiles(tmp.Path).Sum(f => new FileInfo(f).Length);
        Assert.Equal(onDisk, wal.Metrics.BytesWritten);
        Assert.Equal(20, wal.Metrics.RecordsWritten);
        Assert.Equal(wal.LastSegment, wal.Metrics.CurrentSegment);
        Assert.Equal(Directory.EnumerateFiles(tmp.Path).Count(), wal.Metrics.SegmentCount);
        Assert.Equal(0, wal.Metrics.WritesFailed);
    }

    [Fact]
    public void Truncate_DeletesEarlierSegmentsOnly()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Path, segmentSize: 100);
        for (int i = 0; i < 5; i++)
        {
            wal.Log(new byte[80]);
        }
        Assert.Equal(4, wal.LastSegment);

        wal.Truncate(3);

        Assert.Equal(["00000003", "00000004"], Directory.EnumerateFiles(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(1, wal.Metrics.Truncations);
        Assert.Equal(2, wal.Metrics.SegmentCount);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => wal.Truncate(5));
        Assert.Contains("being written", ex.Message, StringComparison.Ordinal);
        wal.Log(Bytes("still works"));
    }

    [Fact]
    public void Open_InvalidOptions_Throw()
    {
        Assert.Throws<ArgumentException>(() => WriteAheadLog.Open(new WalOptions { Directory = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(new WalOptions { Directory = "x", SegmentSize = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(new WalOptions { Directory = "x", SyncInterval = TimeSpan.Zero }));
    }
}
