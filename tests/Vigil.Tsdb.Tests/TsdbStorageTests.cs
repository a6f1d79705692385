using System.Diagnostics;
using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Tests;

public class TsdbStorageTests
{
    private static readonly LabelSet Cpu = LabelSet.Of("__name__", "node_cpu_seconds_total", "cpu", "0", "mode", "idle");

    private static TsdbStorage Open(string dir, WalSyncMode sync = WalSyncMode.Interval, bool readOnly = false)
        => TsdbStorage.Open(new TsdbOptions { DataDir = dir, WalSync = sync, ReadOnly = readOnly, DisableBackgroundMaintenance = true });

    private static List<Core.Model.Sample> ReadAll(TsdbStorage db, LabelSet labels)
    {
        using var q = db.Querier(long.MinValue / 2, long.MaxValue / 2);
        var all = q.Select(true, null, labels.Select(l => LabelMatcher.Equal(l.Name, l.Value)).ToArray()).ToList();
        return all.Count == 0 ? [] : Assert.Single(all).Samples;
    }

    [Fact]
    public void Reopen_AfterDispose_ReplaysWalWithAllSamples()
    {
        using var tmp = new TempDir();
        using (var db = Open(tmp.Path))
        {
            for (int i = 0; i < 500; i++)
            {
                var app = db.Appender();
                app.Append(Cpu, i * 1000L, i * 0.5);
                app.Append(LabelSet.Of("__name__", "up", "job", "ünïcødé"), i * 1000L, i % 2);
                app.Commit();
            }
        }
        Assert.True(File.Exists(Path.Combine(tmp.Path, "wal", "00000000")));
        using (var db = Open(tmp.Path))
        {
            var got = ReadAll(db, Cpu);
            Assert.Equal(500, got.Count);
            Assert.Equal(499 * 0.5, got[^1].V);
            Assert.Equal(500, ReadAll(db, LabelSet.Of("__name__", "up", "job", "ünïcødé")).Count);
            Assert.Equal(1000, db.LastReplay.Samples);
            Assert.Null(db.LastReplay.Corruption);
            // The series keeps its ordering rules after replay.
            var r = SeriesRef.None;
            Assert.False(db.Appender().TryAppend(ref r, Cpu, 10, 1, out var err));
            Assert.Equal(AppendError.OutOfOrder, err);
        }
    }

    [Fact]
    public void Commit_NewSeriesAlsoPendingInABatchThatRollsBack_SeriesReplaysAfterRestart()
    {
        // Two requests push the same new series at once; the one that touched it first is refused and rolls back, the
        // other commits. The committed batch must still log the series record, or its samples vanish on restart.
        using var tmp = new TempDir();
        using (var db = Open(tmp.Path))
        {
            var first = db.Appender();
            var second = db.Appender();
            first.Append(Cpu, 1000, 1);
            second.Append(Cpu, 2000, 2);
            first.Rollback();
            second.Commit();
            Assert.Equal([new Core.Model.Sample(2000, 2)], ReadAll(db, Cpu));
        }
        using (var db = Open(tmp.Path))
        {
            Assert.Equal([new Core.Model.Sample(2000, 2)], ReadAll(db, Cpu));
            Assert.Equal(0, db.LastReplay.UnknownSeriesSamples);
        }
    }

    [Fact]
    public void Commit_ManySamplesOfOneSeriesInARow_AllStoredInOrder()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path);
        var app = db.Appender();
        var other = LabelSet.Of("__name__", "up", "job", "a");
        var r = SeriesRef.None;
        for (int i = 0; i < 300; i++)
        {
            r = app.Append(r, Cpu, i * 1000L, i);
        }
        app.Append(other, 5, 1);
        // A sample out of order within the batch is refused before commit, whatever the series looked up last.
        var again = r;
        Assert.False(app.TryAppend(ref again, Cpu, 10, 1, out var error));
        Assert.Equal(AppendError.OutOfOrder, error);
        app.Commit();
        var got = ReadAll(db, Cpu);
        Assert.Equal(300, got.Count);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => new Core.Model.Sample(i * 1000L, i)), got);
        Assert.Equal([new Core.Model.Sample(5, 1)], ReadAll(db, other));
    }

    [Fact]
    public void Open_SecondWriterOnSameDir_FailsNamingLockFile_ReadOnlyOpenWorks()
    {
        using var tmp = new TempDir();
        using var db = Open(tmp.Path, WalSyncMode.Commit);
        var app = db.Appender();
        app.Append(Cpu, 1000, 1);
        app.Commit();
        var ex = Assert.Throws<StorageException>(() => Open(tmp.Path));
        Assert.Contains("in use by another Vigil process", ex.Message);
        Assert.Contains("lock", ex.Message);
        Assert.Contains(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ex.Message);

        using var ro = Open(tmp.Path, readOnly: true);
        Assert.Equal([new Core.Model.Sample(1000, 1)], ReadAll(ro, Cpu));
        Assert.Throws<StorageException>(() => ro.Appender());
    }

    [Fact]
    public void Open_WalWithTornTail_KeepsEarlierSamplesRepairsAndAcceptsNewWrites()
    {
        using var tmp = new TempDir();
        using (var db = Open(tmp.Path, WalSyncMode.Commit))
        {
            for (int i = 0; i < 100; i++)
            {
                var app = db.Appender();
                app.Append(Cpu, i * 1000L, i);
                app.Commit();
            }
        }
        string seg = Path.Combine(tmp.Path, "wal", "00000000");
        long len = new FileInfo(seg).Length;
        using (var f = new FileStream(seg, FileMode.Open))
        {
            f.SetLength(len - 3); // tear the last record
        }
        using (var db = Open(tmp.Path))
        {
            Assert.NotNull(db.LastReplay.Corruption);
            var got = ReadAll(db, Cpu);
            Assert.Equal(99, got.Count);
            var app = db.Appender();
            app.Append(Cpu, 500_000, 7);
            app.Commit();
        }
        using (var db = Open(tmp.Path))
        {
            Assert.Null(db.LastReplay.Corruption);
            var got = ReadAll(db, Cpu);
            Assert.Equal(100, got.Count);
            Assert.Equal(7, got[^1].V);
        }
    }

    [Fact]
    public void Open_ReadOnlyOnMissingDir_FailsClearly()
    {
        using var tmp = new TempDir();
        var ex = Assert.Throws<StorageException>(() => Open(tmp.Sub("nope"), readOnly: true));
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public async Task SigKill_AtRandomMoments_NeverLosesAcknowledgedSamples()
    {
        using var tmp = new TempDir();
        string child = Path.Combine(AppContext.BaseDirectory, "Vigil.Tsdb.CrashChild.dll");
        Assert.True(File.Exists(child), child);
        const int series = 20;
        var rnd = new Random(12345);
        long lastAcked = long.MinValue;
        long acks = 0;
        for (int round = 0; round < 24; round++)
        {
            string ackPath = tmp.Sub($"acks-{round}.txt");
            var psi = new ProcessStartInfo("dotnet", [child, tmp.Path, series.ToString(CultureInfo.InvariantCulture), ackPath])
            {
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var started = Stopwatch.StartNew();
            while (!(File.Exists(ackPath) && ReadLines(ackPath).Any(l => l.StartsWith("ready", StringComparison.Ordinal))))
            {
                if (p.HasExited)
                {
                    Assert.Fail($"round {round}: child exited during start-up: {p.StandardError.ReadToEnd()}");
                }
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"round {round}: child did not start within 60 s");
                await Task.Delay(10);
            }
            await Task.Delay(rnd.Next(20, 400));
            p.Kill(); // SIGKILL on Unix
            await p.WaitForExitAsync();
            long acked = long.MinValue;
            foreach (var line in ReadLines(ackPath))
            {
                if (line.StartsWith("ack ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out long t))
                {
                    acked = t;
                    acks++;
                }
            }
            lastAcked = Math.Max(lastAcked, acked);
            acked = lastAcked;

            using var db = Open(tmp.Path);
            using var q = db.Querier(long.MinValue / 2, long.MaxValue / 2);
            var all = q.Select(true, null, LabelMatcher.MetricName("crash_test")).ToList();
            if (acked == long.MinValue)
            {
                continue;
            }
            Assert.Equal(series, all.Count);
            foreach (var (labels, samples) in all)
            {
                // Every acknowledged timestamp 1000, 2000, ..., acked is present with its exact value.
                int i = int.Parse(labels.Get("series"), CultureInfo.InvariantCulture);
                Assert.True(samples.Count >= acked / 1000, $"round {round}: series {i} has {samples.Count} samples, acked up to {acked}");
                for (int k = 0; k < acked / 1000; k++)
                {
                    Assert.Equal((k + 1) * 1000L, samples[k].T);
                    Assert.Equal(samples[k].T / 1000.0 + i, samples[k].V);
                }
            }
        }
        Assert.True(acks > 100, $"only {acks} commits were acknowledged over all rounds");
    }

    private static List<string> ReadLines(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(f);
        var lines = new List<string>();
        string? line;
        while ((line = r.ReadLine()) is not null)
        {
            lines.Add(line);
        }
        // The last line may be cut mid-write by the kill: drop it unless newline-terminated.
        if (lines.Count > 0 && f.Length > 0)
        {
            f.Seek(-1, SeekOrigin.End);
            if (f.ReadByte() != '\n')
            {
                lines.RemoveAt(lines.Count - 1);
            }
        }
        return lines;
    }
}
