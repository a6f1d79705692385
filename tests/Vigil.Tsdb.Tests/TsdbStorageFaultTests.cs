using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;

namespace Vigil.Tsdb.Tests;

/// <summary>Damaged files degrade the database (logged, counted, moved aside, reported) but never stop it.</summary>
public class TsdbStorageFaultTests
{
    private const long Hour = 3600_000;
    private const long Now = 1_714_564_800_000;

    private static LabelSet Series(int i) => LabelSet.Of("__name__", "load", "host", $"h{i:D2}");

    private static TsdbStorage Open(string dir, bool readOnly = false)
        => TsdbStorage.Open(new TsdbOptions { DataDir = dir, DisableBackgroundMaintenance = true, Clock = new TestClock(Now), ReadOnly = readOnly });

    /// <summary>Ten series, one sample a minute, over [from, to).</summary>
    private static void Ingest(TsdbStorage db, long from, long to)
    {
        var refs = new SeriesRef[10];
        for (long t = from; t < to; t += 60_000)
        {
            var app = db.Appender();
            for (int i = 0; i < refs.Length; i++)
            {
                refs[i] = app.Append(refs[i], Series(i), t, i + (t / 60_000 % 100));
            }
            app.Commit();
        }
    }

    private static int CountSamples(TsdbStorage db, long mint, long maxt, out IReadOnlyList<string> warnings)
    {
        using var q = db.Querier(mint, maxt);
        var set = q.Select(true, new SelectHints(mint, maxt), LabelMatcher.MetricName("load"));
        var all = set.ToList();
        warnings = set.Warnings;
        return all.Sum(s => s.Samples.Count(x => x.T >= mint && x.T <= maxt));
    }

    /// <summary>A data directory with blocks for [Now-6h, Now-2h) and a head after a checkpoint; returns the block directories.</summary>
    private static async Task<List<string>> BuildAsync(string dir)
    {
        using var db = Open(dir);
        Ingest(db, Now - (6 * Hour), Now - (30 * 60_000));
        await db.MaintainAsync();
        Ingest(db, Now - (30 * 60_000), Now);
        return [.. db.Blocks.Select(b => b.Directory)];
    }

    private static void FlipByte(string path, long offset)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0xFF));
    }

    [Fact]
    public async Task Open_FlippedByteInWalCheckpoint_StartsCountsTheCorruptionAndRepairsIt()
    {
        // The original fault: start-up aborted (exit 134) on a damaged checkpoint, a crash loop.
        using var tmp = new TempDir();
        var blocks = await BuildAsync(tmp.Path);
        Assert.NotEmpty(blocks);
        string checkpoint = Assert.Single(Directory.GetDirectories(Path.Combine(tmp.Path, "wal"), "checkpoint.*"));
        string segment = Path.Combine(checkpoint, "00000000");
        FlipByte(segment, new FileInfo(segment).Length / 2);

        using (var db = Open(tmp.Path))
        {
            Assert.Equal(1, db.WalCorruptions);
            Assert.Contains("checkpoint", db.LastReplay.Corruption);
            // Everything in blocks is intact; the head keeps taking samples.
            Assert.Equal(10 * 4 * 60, CountSamples(db, Now - (6 * Hour), Now - (2 * Hour) - 1, out _));
            var app = db.Appender();
            app.Append(Series(0), Now + 1000, 1);
            app.Commit();
        }
        using (var db = Open(tmp.Path))
        {
            Assert.Equal(0, db.WalCorruptions);
            Assert.Null(db.LastReplay.Corruption);
            Assert.True(CountSamples(db, Now, Now + 1000, out _) == 1);
        }
    }

    [Fact]
    public async Task VerifyBlocks_FlippedByteInAChunkFile_MovesTheBlockAsideServesTheRestAndWarns()
    {
        using var tmp = new TempDir();
        var blocks = await BuildAsync(tmp.Path);
        string victim = blocks[0];
        string chunks = Path.Combine(victim, "chunks", "000001");
        FlipByte(chunks, new FileInfo(chunks).Length / 2);

        using var db = Open(tmp.Path);
        Assert.Equal(1, await db.VerifyBlocksAsync());
        Assert.True(Directory.Exists(victim + BlockDirectory.CorruptedSuffix), "the damaged block was not moved aside");
        Assert.False(Directory.Exists(victim));
        Assert.Equal(blocks.Count - 1, db.Blocks.Count);
        Assert.Equal(1, db.BlocksQuarantined);
        long victimMin = BlockMetaFile.Read(victim + BlockDirectory.CorruptedSuffix).MinTime;
        // The other blocks and the head serve; a query over the lost range says so.
        Assert.Equal(10 * 120, CountSamples(db, victimMin + (2 * Hour), victimMin + (4 * Hour) - 1, out var clean));
        Assert.Empty(clean);
        Assert.Equal(0, CountSamples(db, victimMin, victimMin + (2 * Hour) - 1, out var warnings));
        Assert.Contains(warnings, w => w.Contains(Path.GetFileName(victim), StringComparison.Ordinal) && w.Contains("corrupted", StringComparison.Ordinal));
        // After a restart the quarantined block is still named in the warnings.
        db.Dispose();
        using var again = Open(tmp.Path);
        Assert.Equal(0, CountSamples(again, victimMin, victimMin + (2 * Hour) - 1, out var later));
        Assert.Contains(later, w => w.Contains(Path.GetFileName(victim), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_WithBackgroundMaintenance_VerifiesChunksRightAfterStartAndMovesADamagedBlockAside()
    {
        using var tmp = new TempDir();
        var blocks = await BuildAsync(tmp.Path);
        string chunks = Path.Combine(blocks[1], "chunks", "000001");
        FlipByte(chunks, 20);

        using var db = TsdbStorage.Open(new TsdbOptions { DataDir = tmp.Path, Clock = new TestClock(Now), MaintenanceInterval = TimeSpan.FromHours(1) });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (db.BlocksQuarantined == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, db.BlocksQuarantined);
        Assert.True(Directory.Exists(blocks[1] + BlockDirectory.CorruptedSuffix));
        Assert.Equal(blocks.Count - 1, db.Blocks.Count);
    }

    [Fact]
    public async Task ReadOnlyQuery_FlippedByteInAChunkFile_FailsNamingTheBlockAndMovesNothing()
    {
        using var tmp = new TempDir();
        var blocks = await BuildAsync(tmp.Path);
        string chunks = Path.Combine(blocks[0], "chunks", "000001");
        FlipByte(chunks, new FileInfo(chunks).Length - 3);

        using var db = Open(tmp.Path, readOnly: true);
        var error = Assert.Throws<StorageException>(() => CountSamples(db, Now - (6 * Hour), Now - (4 * Hour) - 1, out _));
        Assert.Contains(Path.GetFileName(blocks[0]), error.Message, StringComparison.Ordinal);
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
        Assert.Equal(10 * 120, CountSamples(db, Now - (4 * Hour), Now - (2 * Hour) - 1, out _));
        await db.MaintainAsync();
        Assert.True(Directory.Exists(blocks[0]));
        Assert.Equal(blocks.Count, db.Blocks.Count);
    }

    [Fact]
    public async Task Query_ChunkDamagedAfterOpen_FailsNamingTheBlockAndMaintenanceMovesItAside()
    {
        using var tmp = new TempDir();
        await BuildAsync(tmp.Path);
        using var db = Open(tmp.Path);
        var victim = db.Blocks[0];
        string chunks = Path.Combine(victim.Directory, "chunks", "000001");
        // Note: the file is mapped shared, so bit rot on disk after open is what the next read sees.
        FlipByte(chunks, new FileInfo(chunks).Length / 2);

        var error = Assert.Throws<StorageException>(() => CountSamples(db, victim.Meta.MinTime, victim.Meta.MaxTime - 1, out _));
        Assert.Contains(victim.Meta.Ulid.ToString(), error.Message);
        Assert.Contains("CRC", error.Message);

        await db.MaintainAsync();
        Assert.Equal(1, db.BlocksQuarantined);
        Assert.DoesNotContain(db.Blocks, b => b.Meta.Ulid == victim.Meta.Ulid);
        Assert.True(Directory.Exists(victim.Directory + BlockDirectory.CorruptedSuffix));
        Assert.Equal(0, CountSamples(db, victim.Meta.MinTime, victim.Meta.MaxTime - 1, out var warnings));
        Assert.Contains(warnings, w => w.Contains(victim.Meta.Ulid.ToString(), StringComparison.Ordinal));
        // Data elsewhere still serves.
        Assert.Equal(10 * 30, CountSamples(db, Now - (30 * 60_000), Now - 1, out _));
    }

    [Fact]
    public async Task Maintain_HeadBlockWriteFailsForLackOfSpace_NextPassWritesTheSameRangeAndLosesNothing()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, Now - (6 * Hour), Now);
        int failures = 0;
        db.BeforeHeadBlockWrite = (_, _) =>
        {
            if (failures++ == 0)
            {
                throw new IOException("No space left on device");
            }
        };
        await Assert.ThrowsAsync<IOException>(() => db.MaintainAsync());
        Assert.Empty(db.Blocks);

        await db.MaintainAsync();
        Assert.NotEmpty(db.Blocks);
        Assert.Equal(Now - (6 * Hour), db.Blocks[0].Meta.MinTime);
        Assert.Equal(10 * 6 * 60, CountSamples(db, Now - (6 * Hour), Now, out _));
    }
}
