using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Agent;

namespace Vigil.Tsdb.Tests.Wal;

/// <summary>The WAL as the remote-write sender sees it (<see cref="IWriteLog"/>): tailing reads, and segments kept for readers.</summary>
public sealed class WriteLogTests
{
    private const long Hour = 3600_000;

    private static TsdbStorage Open(string dir) => TsdbStorage.Open(new TsdbOptions
    {
        DataDir = dir,
        DisableBackgroundMaintenance = true,
        WalSegmentSize = 4096,
        Clock = new TestClock(24 * Hour),
    });

    private static void Ingest(IStorage db, long fromMs, long toMs)
    {
        var refs = new SeriesRef[5];
        for (long t = fromMs; t < toMs; t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < 5; i++)
            {
                refs[i] = app.Append(refs[i], LabelSet.Of("__name__", "load", "host", $"h{i}"), t, i);
            }
            app.Commit();
        }
    }

    private static (int Series, long Samples) ReadAll(IWriteLog log, WriteLogPosition from)
    {
        using var reader = log.Open(from);
        var series = new List<LoggedSeries>();
        var samples = new List<LoggedSample>();
        int s = 0;
        long n = 0;
        WriteLogRecordKind kind;
        while ((kind = reader.Next(series, samples)) != WriteLogRecordKind.None)
        {
            s += series.Count;
            n += samples.Count;
        }
        return (s, n);
    }

    [Fact]
    public async Task Truncate_ReaderRetainsSegments_KeepsThemUntilReleasedThenDeletes()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, 0, 5 * Hour);
        int first = db.FirstSegment;
        Assert.True(db.LastSegment > first + 2, $"segments {first}..{db.LastSegment}");
        db.Retain("remote", new WriteLogRetention(first, 0));

        await db.MaintainAsync();

        Assert.True(db.HeadCompactions >= 1);
        Assert.Equal(first, db.FirstSegment);
        Assert.Equal((5, 5L * 1200), ReadAll(db, new WriteLogPosition(first, 0)));

        db.Retain("remote", null);
        Ingest(db, 5 * Hour, 8 * Hour);
        await db.MaintainAsync();
        Assert.True(db.FirstSegment > first, $"first segment {db.FirstSegment}");
    }

    [Fact]
    public async Task Truncate_RetainedSegmentsOverTheBudget_ReleasesTheOldest()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, 0, 5 * Hour);
        int first = db.FirstSegment;
        db.Retain("remote", new WriteLogRetention(first, 3 * 4096));

        await db.MaintainAsync();

        long kept = 0;
        for (int i = db.FirstSegment; i <= db.LastSegment; i++)
        {
            kept += db.SegmentSize(i);
        }
        Assert.True(db.FirstSegment > first, "the oldest segments are released");
        Assert.True(kept <= (3 * 4096) + (2 * 4096), $"{kept} bytes kept");
    }

    [Fact]
    public void Open_AtTheEndThenMoreIsWritten_ReadsOnlyTheNewRecordsAcrossSegments()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        Ingest(db, 0, Hour);
        using var reader = db.Open(new WriteLogPosition(db.FirstSegment, 0));
        var series = new List<LoggedSeries>();
        var samples = new List<LoggedSample>();
        while (reader.Next(series, samples) != WriteLogRecordKind.None)
        {
        }

        Ingest(db, Hour, 2 * Hour);
        long n = 0;
        while (reader.Next(series, samples) is var kind && kind != WriteLogRecordKind.None)
        {
            n += samples.Count;
            Assert.All(samples, s => Assert.True(s.T >= Hour));
        }
        Assert.Equal(5L * 240, n);
    }

    [Fact]
    public void AgentStorage_ReopenedAfterAppends_KnowsItsSeriesAndRefusesOlderSamples()
    {
        using var tmp = new TempDir();
        using (var agent = AgentStorage.Open(new AgentOptions { DataDir = tmp.Path, Clock = new TestClock(24 * Hour) }))
        {
            Ingest(agent, 0, Hour);
            Assert.Equal(5, agent.SeriesCount);
            Assert.Equal((5, 5L * 240), ReadAll(agent, new WriteLogPosition(agent.FirstSegment, 0)));
        }
        using (var agent = AgentStorage.Open(new AgentOptions { DataDir = tmp.Path, Clock = new TestClock(24 * Hour) }))
        {
            Assert.Equal(5, agent.SeriesCount);
            var r = SeriesRef.None;
            Assert.False(agent.Appender().TryAppend(ref r, LabelSet.Of("__name__", "load", "host", "h0"), Hour - 15_000, 1, out var error));
            Assert.Equal(AppendError.DuplicateTimestamp, error);
            using var q = agent.Querier(0, long.MaxValue);
            Assert.Empty(q.LabelNames());
        }
    }
}
