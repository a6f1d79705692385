using Vigil.Tsdb.Wal;
using static Vigil.Tsdb.Tests.Wal.WalTestHelpers;

namespace Vigil.Tsdb.Tests.Wal;

public sealed class WalReaderTests
{
    public enum Damage
    {
        TruncatedHeader,
        TruncatedBody,
        FlippedCrcByte,
        FlippedPayloadByte,
        GarbageAppended,
        ZerosThenGarbage,
    }

    // Three records of 10 bytes each: frames of 19 bytes at offsets 0, 19, 38; the file is 57 bytes.
    private static readonly string[] Records = ["record-000", "record-001", "record-002"];

    [Theory]
    [InlineData(Damage.TruncatedHeader, 38, "truncated record header (4 of 9 bytes before the end of the segment)")]
    [InlineData(Damage.TruncatedBody, 38, "record length 10 exceeds the 5 bytes left in the segment")]
    [InlineData(Damage.FlippedCrcByte, 38, "CRC mismatch")]
    [InlineData(Damage.FlippedPayloadByte, 38, "CRC mismatch")]
    [InlineData(Damage.GarbageAppended, 57, "unknown frame type 0xab")]
    [InlineData(Damage.ZerosThenGarbage, 57, "non-zero byte at offset 157 after zero padding that starts at offset 57")]
    public void Next_DamagedTail_ReturnsIntactRecordsThenReportsCorruption(Damage damage, long offset, string reason)
    {
        using var tmp = new TempDirectory();
        WriteThreeRecords(tmp.Path);
        Inflict(SegmentPath(tmp.Path, 0), damage);

        using var reader = WalReader.Open(tmp.Path);
        var (records, corruption) = ReadUntilCorruption(reader);

        int intact = offset == 57 ? 3 : 2;
        Assert.Equal(Records.Take(intact), records);
        Assert.NotNull(corruption);
        Assert.Equal(0, corruption.Segment);
        Assert.Equal(offset, corruption.Offset);
        Assert.False(corruption.InCheckpoint);
        Assert.Contains(reason, corruption.Reason, StringComparison.Ordinal);
        Assert.Contains("00000000 at offset " + offset, corruption.Message, StringComparison.Ordinal);
        // The reader stays failed.
        Assert.Same(corruption, Assert.Throws<WalCorruptionException>(() => reader.Next()));
    }

    [Theory]
    [InlineData(Damage.TruncatedHeader, 38)]
    [InlineData(Damage.TruncatedBody, 38)]
    [InlineData(Damage.FlippedCrcByte, 38)]
    [InlineData(Damage.GarbageAppended, 57)]
    [InlineData(Damage.ZerosThenGarbage, 57)]
    public void Repair_DamagedTail_TruncatesSoNextLogAndReplayWork(Damage damage, long offset)
    {
        using var tmp = new TempDirectory();
        WriteThreeRecords(tmp.Path);
        Inflict(SegmentPath(tmp.Path, 0), damage);
        var lines = new List<string>();

        using (var wal = OpenWal(tmp.Path, log: lines.Add))
        {
            Assert.Equal(1, wal.LastSegment);
            WalCorruptionException? corruption;
            using (var replay = wal.OpenReplay())
            {
                (_, corruption) = ReadUntilCorruption(replay);
            }
            Assert.NotNull(corruption);

            wal.Repair(corruption);

            Assert.Equal(1, wal.Metrics.CorruptionsRepaired);
            Assert.Equal(offset, new FileInfo(SegmentPath(tmp.Path, 0)).Length);
            var line = Assert.Single(lines);
            Assert.StartsWith($"wal: repaired corruption in segment 00000000 at offset {offset} (", line, StringComparison.Ordinal);
            wal.Log(Bytes("after-repair"));
        }

        using var reader = WalReader.OpenReplay(tmp.Path);
        var records = ReadAll(reader).Select(r => r.Text).ToList();
        Assert.Equal([.. Records.Take(offset == 57 ? 3 : 2), "after-repair"], records);
    }

    [Fact]
    public void Next_ZeroFilledTail_IsEndOfSegmentNotCorruption()
    {
        using var tmp = new TempDirectory();
        WriteThreeRecords(tmp.Path);
        using (var f = new FileStream(SegmentPath(tmp.Path, 0), FileMode.Append))
        {
            f.Write(new byte[4 * 1024 * 1024 + 3]);
        }
        // A later segment must still be read after the zero tail.
        using (var wal = OpenWal(tmp.Path))
        {
            wal.Log(Bytes("next-segment"));
        }

        using var reader = WalReader.OpenReplay(tmp.Path);
        var records = ReadAll(reader);

        Assert.Equal([.. Records, "next-segment"], records.Select(r => r.Text));
        Assert.Equal(new WalPosition(1, 0, false), records[^1].Position);
    }

    [Fact]
    public void Next_ZeroFilledPartialHeader_IsEndOfSegment()
    {
        using var tmp = new TempDirectory();
        WriteThreeRecords(tmp.Path);
        using (var f = new FileStream(SegmentPath(tmp.Path, 0), FileMode.Append))
        {
            f.Write(new byte[5]);
        }

        using var reader = WalReader.Open(tmp.Path);

        Assert.Equal(Records, ReadAll(reader).Select(r => r.Text));
    }

    [Fact]
    public void Next_CorruptionInMiddleOfNonLastSegment_ReportsSegmentAndOffset()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 100))
        {
            // 19-byte frames, 5 per segment: records 0-4 in segment 0, 5-9 in segment 1, 10-14 in segment 2.
            for (int i = 0; i < 15; i++)
            {
                wal.Log(Bytes($"record-{i:D3}"));
            }
        }
        string segment1 = SegmentPath(tmp.Path, 1);
        byte[] bytes = File.ReadAllBytes(segment1);
        bytes[(2 * 19) + 12] ^= 0x40;
        File.WriteAllBytes(segment1, bytes);

        using var reader = WalReader.Open(tmp.Path);
        var (records, corruption) = ReadUntilCorruption(reader);

        Assert.Equal(7, records.Count);
        Assert.Equal("record-006", records[^1]);
        Assert.NotNull(corruption);
        Assert.Equal(new WalPosition(1, 38, false), corruption.Position);
        Assert.StartsWith("CRC mismatch", corruption.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Repair_MiddleOfNonLastSegment_DiscardsEverythingAfter()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 100))
        {
            for (int i = 0; i < 15; i++)
            {
                wal.Log(Bytes($"record-{i:D3}"));
            }
        }
        string segment1 = SegmentPath(tmp.Path, 1);
        byte[] bytes = File.ReadAllBytes(segment1);
        bytes[(2 * 19) + 12] ^= 0x40;
        File.WriteAllBytes(segment1, bytes);

        using (var wal = OpenWal(tmp.Path, segmentSize: 100))
        {
            using (var replay = wal.OpenReplay())
            {
                var (_, corruption) = ReadUntilCorruption(replay);
                wal.Repair(corruption!);
            }
            Assert.Equal(2, wal.LastSegment);
            wal.Log(Bytes("fresh"));
        }

        Assert.Equal(["00000000", "00000001", "00000002"], Directory.EnumerateFiles(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var reader = WalReader.OpenReplay(tmp.Path);
        var records = ReadAll(reader).Select(r => r.Text).ToList();
        Assert.Equal(8, records.Count);
        Assert.Equal("record-006", records[6]);
        Assert.Equal("fresh", records[7]);
    }

    [Fact]
    public void Next_MissingSegment_ReportsCorruptionAtItsStart()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 100))
        {
            for (int i = 0; i < 15; i++)
            {
                wal.Log(Bytes($"record-{i:D3}"));
            }
        }
        File.Delete(SegmentPath(tmp.Path, 1));

        using var reader = WalReader.Open(tmp.Path);
        var (records, corruption) = ReadUntilCorruption(reader);

        Assert.Equal(5, records.Count);
        Assert.NotNull(corruption);
        Assert.Equal(new WalPosition(1, 0, false), corruption.Position);
        Assert.Contains("missing", corruption.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SegmentRange_ReadsOnlyThoseSegments()
    {
        using var tmp = new TempDirectory();
        using (var wal = OpenWal(tmp.Path, segmentSize: 100))
        {
            for (int i = 0; i < 15; i++)
            {
                wal.Log(Bytes($"record-{i:D3}"));
            }
        }

        using var reader = WalReader.Open(tmp.Path, 1, 1);

        Assert.Equal(["record-005", "record-006", "record-007", "record-008", "record-009"], ReadAll(reader).Select(r => r.Text));
    }

    [Fact]
    public void Next_RecordsLargerThanReadBuffer_AreReturnedWhole()
    {
        using var tmp = new TempDirectory();
        var big = new byte[3 * 1024 * 1024];
        new Random(3).NextBytes(big);
        using (var wal = OpenWal(tmp.Path))
        {
            wal.Log(Bytes("small"));
            wal.Log(big);
            wal.Log(Bytes("after"));
        }

        using var reader = WalReader.Open(tmp.Path);
        Assert.True(reader.Next());
        Assert.Equal("small", Text(reader.Record));
        Assert.True(reader.Next());
        Assert.True(reader.Record.SequenceEqual(big));
        Assert.True(reader.Next());
        Assert.Equal("after", Text(reader.Record));
        Assert.False(reader.Next());
    }

    [Fact]
    public void Repair_CorruptionInOtherDirectoryOrCheckpoint_IsRejected()
    {
        using var tmp = new TempDirectory();
        using var wal = OpenWal(tmp.Combine("wal"));

        Assert.Throws<ArgumentException>(() => wal.Repair(new WalCorruptionException(tmp.Combine("other"), 0, 0, "x", inCheckpoint: false)));
        Assert.Throws<InvalidOperationException>(() => wal.Repair(new WalCorruptionException(wal.Directory, 0, 0, "x", inCheckpoint: true)));
    }

    private static void WriteThreeRecords(string dir)
    {
        using var wal = OpenWal(dir);
        foreach (var r in Records)
        {
            wal.Log(Bytes(r));
        }
    }

    private static void Inflict(string segment, Damage damage)
    {
        byte[] bytes = File.ReadAllBytes(segment);
        Assert.Equal(57, bytes.Length);
        switch (damage)
        {
            case Damage.TruncatedHeader:
                bytes = bytes[..(38 + 4)];
                break;
            case Damage.TruncatedBody:
                bytes = bytes[..(38 + 9 + 5)];
                break;
            case Damage.FlippedCrcByte:
                bytes[38 + 6] ^= 0x01;
                break;
            case Damage.FlippedPayloadByte:
                bytes[38 + 9 + 3] ^= 0x80;
                break;
            case Damage.GarbageAppended:
                bytes = [.. bytes, 0xAB, 0xCD, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09];
                break;
            case Damage.ZerosThenGarbage:
                bytes = [.. bytes, .. new byte[100], 0x01, 0x02];
                break;
        }
        File.WriteAllBytes(segment, bytes);
    }
}
