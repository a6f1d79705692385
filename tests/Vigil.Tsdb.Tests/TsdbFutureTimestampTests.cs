using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;

namespace Vigil.Tsdb.Tests;

/// <summary>One sample with a timestamp in the wrong unit must never wipe the database or close the head.</summary>
public class TsdbFutureTimestampTests
{
    private const long Hour = 3600_000;

    // Note: a fixed "now" (2024-05-01T12:00:00Z) so block boundaries do not depend on when the test runs.
    private const long Now = 1_714_564_800_000;

    private static readonly LabelSet Load = LabelSet.Of("__name__", "load", "host", "a");

    private static TsdbStorage Open(string dir, TestClock clock, TimeSpan? maxFuture = null, bool readOnly = false)
        => TsdbStorage.Open(new TsdbOptions
        {
            DataDir = dir,
            DisableBackgroundMaintenance = true,
            Clock = clock,
            MaxFutureTimestamp = maxFuture ?? TimeSpan.FromMinutes(10),
            ReadOnly = readOnly,
        });

    /// <summary>Six hours of 15 s samples ending just before <see cref="Now"/>; returns how many were written.</summary>
    private static int IngestSixHours(TsdbStorage db, LabelSet labels)
    {
        int n = 0;
        var r = SeriesRef.None;
        for (long t = Now - (6 * Hour); t < Now; t += 15_000)
        {
            var app = db.Appender();
            r = app.Append(r, labels, t, t / 1000.0);
            app.Commit();
            n++;
        }
        return n;
    }

    private static List<Core.Model.Sample> Read(TsdbStorage db, LabelSet labels, long mint = Now - (7 * Hour), long maxt = Now + Hour)
    {
        using var q = db.Querier(mint, maxt);
        var all = q.Select(true, null, labels.Select(l => LabelMatcher.Equal(l.Name, l.Value)).ToArray()).ToList();
        return all.Count == 0 ? [] : Assert.Single(all).Samples;
    }

    [Fact]
    public void TryAppend_TimestampBeyondClockPlusMargin_RefusedAsTooFarInFuture()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path, new TestClock(Now));
        var app = db.Appender();
        var r = SeriesRef.None;
        Assert.True(app.TryAppend(ref r, Load, Now + (9 * 60_000), 1, out _));
        Assert.False(app.TryAppend(ref r, Load, Now + (11 * 60_000), 2, out var error));
        Assert.Equal(AppendError.TooFarInFuture, error);
        // The text endpoint's worst case: the largest timestamp there is.
        Assert.False(app.TryAppend(ref r, Load, long.MaxValue, 3, out error));
        Assert.Equal(AppendError.TooFarInFuture, error);
        app.Commit();
        Assert.Equal(2, db.Head.Stats.TooFarInFutureSamples);
        Assert.Equal([new Core.Model.Sample(Now + (9 * 60_000), 1)], Read(db, Load));
        Assert.Contains("too far in the future", StorageException.ForAppend(error, Load, long.MaxValue).Message);
    }

    [Fact]
    public async Task Maintain_AfterPushOfMillisecondsReadAsSeconds_KeepsEveryBlockAndTakesCurrentSamples()
    {
        // The original fault: a push whose seconds field held milliseconds (year ~58,900) was accepted; retention counted
        // from it deleted every block, and the head refused every current sample as out of bounds.
        using var tmp = new TempDir();
        var clock = new TestClock(Now);
        using var db = Open(tmp.Path, clock);
        int written = IngestSixHours(db, Load);
        await db.MaintainAsync();
        int blocks = db.Blocks.Count;
        Assert.True(blocks >= 2, $"blocks: {blocks}");

        var app = db.Appender();
        var r = SeriesRef.None;
        bool accepted = app.TryAppend(ref r, LabelSet.Of("__name__", "pushed"), Now * 1000, 1, out var error);
        app.Commit();
        Assert.False(accepted);
        Assert.Equal(AppendError.TooFarInFuture, error);

        await db.MaintainAsync();
        Assert.Equal(blocks, db.Blocks.Count);
        Assert.Equal(0, db.RetentionDeletions);
        Assert.Equal(written, Read(db, Load).Count);
        var current = db.Appender();
        current.Append(Load, Now + 1000, 42);
        current.Commit();
        Assert.Equal(42, Read(db, Load)[^1].V);
    }

    [Fact]
    public async Task Maintain_FutureSampleAllowedByAHugeMargin_RetentionCountsFromTheClockAndHeadStaysOpen()
    {
        // Even when a far-future sample gets in (the margin set absurdly high), retention and head compaction go by the
        // wall clock: no real block is deleted and current samples are still taken.
        using var tmp = new TempDir();
        var clock = new TestClock(Now);
        using var db = Open(tmp.Path, clock, maxFuture: TimeSpan.MaxValue);
        int written = IngestSixHours(db, Load);
        await db.MaintainAsync();
        int blocks = db.Blocks.Count;
        var future = LabelSet.Of("__name__", "pushed");
        var app = db.Appender();
        app.Append(future, Now * 1000, 1);
        app.Commit();

        await db.MaintainAsync();
        await db.MaintainAsync();
        Assert.True(db.Blocks.Count >= blocks, $"blocks: {db.Blocks.Count}, before: {blocks}");
        Assert.All(db.Blocks, b => Assert.True(b.Meta.MaxTime <= Now, $"{b} was cut beyond the clock"));
        Assert.Equal(0, db.RetentionDeletions);
        Assert.Equal(written, Read(db, Load).Count);
        Assert.True(db.Head.MinValidTime <= Now, $"head closed up to {db.Head.MinValidTime}, after the clock {Now}");
        var current = db.Appender();
        current.Append(Load, Now + 1000, 42);
        current.Commit();
        Assert.Equal(42, Read(db, Load)[^1].V);
    }

    [Fact]
    public async Task Maintain_TimeRetention_CountsFromTheClockNotFromTheNewestSample()
    {
        using var tmp = new TempDir();
        var clock = new TestClock(Now);
        using (var db = Open(tmp.Path, clock))
        {
            IngestSixHours(db, Load);
            await db.FlushHeadAsync(all: true);
            Assert.NotEmpty(db.Blocks);
        }
        // Twenty days later, with nothing newer written: 15 days of retention expire every block.
        clock.NowMs = Now + (20 * 24 * Hour);
        using (var db = Open(tmp.Path, clock))
        {
            Assert.NotEmpty(db.Blocks);
            await db.MaintainAsync();
            Assert.Empty(db.Blocks);
            Assert.True(db.RetentionDeletions >= 1);
        }
    }

    [Fact]
    public void Open_WalHoldingAFarFutureSample_DropsItAndKeepsTakingCurrentSamples()
    {
        using var tmp = new TempDir();
        var clock = new TestClock(Now);
        using (var db = Open(tmp.Path, clock, maxFuture: TimeSpan.MaxValue))
        {
            var app = db.Appender();
            app.Append(Load, Now - 1000, 1);
            app.Append(LabelSet.Of("__name__", "pushed"), Now * 1000, 2);
            app.Commit();
        }
        // Reopened with the default margin (as after an upgrade): the outlier written by an old version is dropped.
        using (var db = Open(tmp.Path, clock))
        {
            Assert.Equal(1, db.LastReplay.Samples);
            Assert.True(db.Head.MaxTime < Now, $"head max time {db.Head.MaxTime}");
            var app = db.Appender();
            app.Append(Load, Now, 3);
            app.Commit();
            Assert.Equal([new Core.Model.Sample(Now - 1000, 1), new Core.Model.Sample(Now, 3)], Read(db, Load));
        }
    }

    [Fact]
    public async Task Open_BlockEndingInTheFuture_IsServedButDoesNotCloseTheHead()
    {
        // A block written before future timestamps were refused (it ends in the year ~58,900) must not make the head
        // refuse every current sample as too old after a restart.
        using var tmp = new TempDir();
        var clock = new TestClock(Now);
        var future = LabelSet.Of("__name__", "pushed");
        using (var db = Open(tmp.Path, clock, maxFuture: TimeSpan.MaxValue))
        {
            var app = db.Appender();
            app.Append(future, Now * 1000, 2);
            app.Commit();
            await db.FlushHeadAsync(all: true);
            Assert.Single(db.Blocks);
        }
        using (var db = Open(tmp.Path, clock))
        {
            Assert.Single(db.Blocks);
            var app = db.Appender();
            app.Append(Load, Now, 3);
            app.Commit();
            Assert.Equal([new Core.Model.Sample(Now, 3)], Read(db, Load));
            Assert.Equal([new Core.Model.Sample(Now * 1000, 2)], Read(db, future, Now * 1000 - 1, Now * 1000 + 1));
        }
        Assert.Single(BlockDirectory.ListBlockDirs(tmp.Path));
    }
}
