using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;

namespace Vigil.Tsdb.Tests;

public class TsdbBlocksTests
{
    private const long Hour = 3600_000;

    // Note: the data of these tests lies in the first hours of 1970; retention counts back from this clock.
    private static TsdbStorage Open(string dir, TimeSpan? retention = null, long retentionBytes = 0, bool readOnly = false, long nowMs = 24 * Hour)
        => TsdbStorage.Open(new TsdbOptions
        {
            DataDir = dir,
            DisableBackgroundMaintenance = true,
            Retention = retention ?? TimeSpan.FromDays(15),
            RetentionBytes = retentionBytes,
            ReadOnly = readOnly,
            Clock = new TestClock(nowMs),
        });

    private static LabelSet Series(int i) => LabelSet.Of("__name__", "load", "host", $"h{i}");

    /// <summary>Writes <paramref name="hours"/> hours of 15 s samples for 5 series; value = t/1000 + i.</summary>
    private static void Ingest(TsdbStorage db, long fromMs, int hours)
    {
        var refs = new SeriesRef[5];
        for (long t = fromMs; t < fromMs + (hours * Hour); t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < 5; i++)
            {
                refs[i] = app.Append(refs[i], Series(i), t, (t / 1000.0) + i);
            }
            app.Commit();
        }
    }

    private static void AssertComplete(TsdbStorage db, long fromMs, long toMs)
    {
        using var q = db.Querier(fromMs, toMs);
        var all = q.Select(true, null, LabelMatcher.MetricName("load")).ToList();
        Assert.Equal(5, all.Count);
        foreach (var (labels, samples) in all)
        {
            int i = int.Parse(labels.Get("host")[1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(((toMs - fromMs) / 15_000) + 1, samples.Count);
            for (int k = 0; k < samples.Count; k++)
            {
                long t = fromMs + (k * 15_000);
                Assert.Equal(new Sample(t, (t / 1000.0) + i), samples[k]);
            }
        }
    }

    [Fact]
    public async Task Maintain_HeadSpanningSevenHours_CutsBlocksTruncatesHeadAndWalAndKeepsEveryDataPoint()
    {
        using var tmp = new TempDir();
        using (var db = Open(tmp.Path))
        {
            Ingest(db, 0, 7);
            await db.MaintainAsync();
            Assert.True(db.HeadCompactions >= 2, $"head compactions: {db.HeadCompactions}");
            Assert.NotEmpty(db.Blocks);
            Assert.True(db.Head.MinTime >= 2 * Hour, $"head min time {db.Head.MinTime}");
            Assert.True(Directory.GetDirectories(Path.Combine(tmp.Path, "wal"), "checkpoint.*").Length == 1);
            AssertComplete(db, 0, (7 * Hour) - 15_000);
            // Out-of-bounds appends into persisted ranges are refused, not silently merged.
            var r = SeriesRef.None;
            Assert.False(db.Appender().TryAppend(ref r, Series(0), 1000, 1, out var err));
            Assert.Equal(AppendError.TooOld, err);
        }
        // Restart: blocks + checkpoint + WAL give the same data, without duplicates.
        using (var db = Open(tmp.Path))
        {
            Assert.NotEmpty(db.Blocks);
            AssertComplete(db, 0, (7 * Hour) - 15_000);
            Ingest(db, 7 * Hour, 1);
            AssertComplete(db, 0, (8 * Hour) - 15_000);
        }
    }

    [Fact]
    public async Task Maintain_ThreeTwoHourBlocks_AreCompactedIntoOneSixHourBlock()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, 0, 10);
        await db.MaintainAsync();
        Assert.True(db.Compactions >= 1, $"compactions: {db.Compactions}");
        Assert.Contains(db.Blocks, b => b.Meta.MaxTime - b.Meta.MinTime == 6 * Hour && b.Meta.Compaction.Level >= 2);
        AssertComplete(db, 0, (10 * Hour) - 15_000);
        // Only live blocks remain on disk: parents are gone.
        var onDisk = BlockDirectory.ListBlockDirs(tmp.Path).Select(d => Path.GetFileName(d)!).ToHashSet();
        Assert.Equal(db.Blocks.Select(b => b.Meta.Ulid.ToString()).ToHashSet(), onDisk);
    }

    [Fact]
    public async Task Maintain_TimeRetention_DeletesWholeOldBlocks()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path, retention: TimeSpan.FromHours(5), nowMs: 12 * Hour);
        Ingest(db, 0, 12);
        await db.MaintainAsync();
        Assert.True(db.RetentionDeletions >= 1);
        Assert.All(db.Blocks, b => Assert.True(b.Meta.MaxTime > (12 * Hour) - (5 * Hour) - (6 * Hour)));
        using var q = db.Querier(0, 12 * Hour);
        var first = q.Select(true, null, LabelMatcher.MetricName("load")).ToList()[0].Samples[0];
        Assert.True(first.T >= 2 * Hour, $"oldest remaining sample {first.T}");
        AssertComplete(db, 10 * Hour, (12 * Hour) - 15_000);
    }

    [Fact]
    public async Task Maintain_SizeRetention_KeepsBlocksUnderTheLimit()
    {
        using var tmp = new TempDir();
        using (var probe = Open(tmp.Sub("probe")))
        {
            Ingest(probe, 0, 3);
            await probe.FlushHeadAsync(all: true);
        }
        using var db = Open(tmp.Sub("db"), retentionBytes: 1);
        Ingest(db, 0, 9);
        await db.MaintainAsync();
        Assert.Empty(db.Blocks);
        Assert.True(db.RetentionDeletions >= 1);
        // Head data is untouched by size retention of blocks.
        AssertComplete(db, db.Head.MinTime, (9 * Hour) - 15_000);
    }

    [Fact]
    public async Task Open_CorruptedBlock_IsMovedAsideAndTheRestServes()
    {
        using var tmp = new TempDir();
        using (var db = Open(tmp.Path))
        {
            Ingest(db, 0, 5);
            await db.FlushHeadAsync(all: true);
            Assert.True(db.Blocks.Count >= 2);
        }
        var dirs = BlockDirectory.ListBlockDirs(tmp.Path).Order(StringComparer.Ordinal).ToList();
        string victim = dirs[0];
        string index = Path.Combine(victim, "index");
        var bytes = File.ReadAllBytes(index);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(index, bytes);
        using (var db = Open(tmp.Path))
        {
            Assert.True(Directory.Exists(victim + ".corrupted"));
            Assert.Equal(dirs.Count - 1, db.Blocks.Count);
            using var q = db.Querier(0, 5 * Hour);
            var all = q.Select(true, null, LabelMatcher.MetricName("load")).ToList();
            Assert.Equal(5, all.Count);
            Assert.True(all[0].Samples[0].T >= 2 * Hour);
        }
    }

    [Fact]
    public async Task ReadOnlyOpen_WhileWriterHoldsLock_SeesBlocksAndWal()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, 0, 5);
        await db.MaintainAsync();
        db.Wal!.Sync();
        using var ro = Open(tmp.Path, readOnly: true);
        Assert.NotEmpty(ro.Blocks);
        AssertComplete(ro, 0, (5 * Hour) - 15_000);
    }
}
