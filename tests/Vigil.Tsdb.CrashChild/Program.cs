using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb;
using Vigil.Tsdb.Wal;

// A child process for the crash-safety tests: it ingests continuously with `sync: commit` and prints
// "ack <timestamp>" to a file after every commit returns, until it is killed. A write() into the page cache survives
// SIGKILL, so every line in the file is a commit that was acknowledged. Arguments: <data dir> <series count> <ack file>.
string dir = args[0];
int seriesCount = int.Parse(args[1], CultureInfo.InvariantCulture);
using var db = TsdbStorage.Open(new TsdbOptions { DataDir = dir, WalSync = WalSyncMode.Commit, DisableBackgroundMaintenance = true });
long t = db.Head.MaxTime == long.MinValue ? 1_000 : db.Head.MaxTime + 1_000;
var labels = Enumerable.Range(0, seriesCount)
    .Select(i => LabelSet.Of("__name__", "crash_test", "series", i.ToString(CultureInfo.InvariantCulture)))
    .ToArray();
var refs = new SeriesRef[seriesCount];
using var ackFile = new FileStream(args[2], FileMode.Create, FileAccess.Write, FileShare.Read, 1);
var stdout = new StreamWriter(ackFile) { AutoFlush = true };
stdout.WriteLine("ready " + t.ToString(CultureInfo.InvariantCulture));
while (true)
{
    var app = db.Appender();
    for (int i = 0; i < seriesCount; i++)
    {
        if (!app.TryAppend(ref refs[i], labels[i], t, t / 1000.0 + i, out var err))
        {
            Console.Error.WriteLine($"append refused: {err}");
            return 3;
        }
    }
    app.Commit();
    stdout.WriteLine("ack " + t.ToString(CultureInfo.InvariantCulture));
        t += 1_000;
}
