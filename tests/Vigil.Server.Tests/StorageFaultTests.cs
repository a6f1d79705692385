using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Cli;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>
/// Storage faults as users meet them: a full disk, damaged block files, timestamps in the wrong unit. The server answers
/// clearly and keeps serving; <c>vigil dump</c> and <c>/api/v1/export</c> never pass incomplete data off as complete.
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class StorageFaultTests : IDisposable
{
    // Note: on a two-hour boundary, so the three blocks hold two hours each.
    private const long T0 = 1_699_999_200_000;
    private const long Hour = 3600_000;
    private const int SeriesCount = 40;

    private readonly string _work = Directory.CreateTempSubdirectory("vigil-faults-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string DataDir => Path.Combine(_work, "data");

    private static TsdbStorage OpenTsdb(string dir) => TsdbStorage.Open(new TsdbOptions { DataDir = dir, DisableBackgroundMaintenance = true, Retention = TimeSpan.Zero });

    /// <summary>Forty series, one sample a minute for six hours from <see cref="T0"/>, written as three blocks; returns the block directories.</summary>
    private async Task<List<string>> WriteBlocksAsync()
    {
        using var db = OpenTsdb(DataDir);
        var refs = new SeriesRef[SeriesCount];
        for (long t = T0; t < T0 + (6 * Hour); t += 60_000)
        {
            var app = db.Appender();
            for (int i = 0; i < SeriesCount; i++)
            {
                refs[i] = app.Append(refs[i], LabelSet.Of("__name__", "load", "host", $"h{i:D2}"), t, i + ((t - T0) / 60_000));
            }
            app.Commit();
        }
        await db.FlushHeadAsync(all: true);
        return [.. db.Blocks.Select(b => b.Directory)];
    }

    private static void FlipByte(string path, long offset)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0xFF));
    }

    private static string Ulid(string blockDir) => Path.GetFileName(blockDir);

    private static List<string> Lines(string text) => [.. text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    [Fact]
    public async Task Dump_DataDirWithADamagedChunkFile_PrintsEverySeriesItCanAndExits1NamingTheBlock()
    {
        var blocks = await WriteBlocksAsync();
        string chunks = Path.Combine(blocks[1], "chunks", "000001");
        FlipByte(chunks, new FileInfo(chunks).Length / 2);

        using var vigil = VigilProcess.Start(_work, "dump", "--match", "load", "--data-dir", DataDir);
        Assert.Equal(1, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var lines = Lines(vigil.Stdout);
        // The one series whose chunk is damaged is left out; the other 39 are whole.
        Assert.Equal((SeriesCount - 1) * 360, lines.Count);
        Assert.Equal(SeriesCount - 1, lines.Select(l => l[..l.IndexOf('}', StringComparison.Ordinal)]).Distinct().Count());
        Assert.Contains($"1 of {SeriesCount} series could not be read", vigil.Stderr, StringComparison.Ordinal);
        Assert.Contains(Ulid(blocks[1]), vigil.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_DataDirWithADamagedIndex_Exits1InsteadOfSilentlyLeavingTheBlockOut()
    {
        // The original fault: the block was skipped without a word and dump exited 0 with its samples missing.
        var blocks = await WriteBlocksAsync();
        string index = Path.Combine(blocks[0], "index");
        FlipByte(index, new FileInfo(index).Length / 2);

        using var vigil = VigilProcess.Start(_work, "dump", "--match", "load", "--data-dir", DataDir);
        Assert.Equal(1, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(SeriesCount * 240, Lines(vigil.Stdout).Count);
        Assert.Contains(Ulid(blocks[0]), vigil.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ChunkDamagedWhileServing_StreamsTheOtherSeriesThenAnErrorLineAndDumpExits1()
    {
        var blocks = await WriteBlocksAsync();
        using var storage = OpenTsdb(DataDir);
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, storage);
        var server = vigil.Server;
        var http = vigil.Http;
        string chunks = Path.Combine(blocks[0], "chunks", "000001");
        FlipByte(chunks, new FileInfo(chunks).Length / 2);

        using var r = await http.PostAsync("/api/v1/export", new FormUrlEncodedContent([new("match[]", "load")]));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var lines = Lines(await r.Content.ReadAsStringAsync());
        Assert.Equal(SeriesCount, lines.Count);
        foreach (string line in lines[..^1])
        {
            using var series = JsonDocument.Parse(line);
            Assert.Equal(360, series.RootElement.GetProperty("timestamps").GetArrayLength());
        }
        using var trailer = JsonDocument.Parse(lines[^1]);
        Assert.Equal("error", trailer.RootElement.GetProperty("status").GetString());
        string error = trailer.RootElement.GetProperty("error").GetString()!;
        Assert.Contains($"1 of {SeriesCount} series could not be read", error, StringComparison.Ordinal);
        Assert.Contains(Ulid(blocks[0]), error, StringComparison.Ordinal);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["dump", "--match", "load", "--server", server.BaseAddress.ToString()], new FixedStorageProvider(new MemoryStorage()), stdout, stderr);
        Assert.Equal(1, code);
        Assert.Equal((SeriesCount - 1) * 360, Lines(stdout.ToString()).Count);
        Assert.Contains(Ulid(blocks[0]), stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_TimestampsThatCannotBeRight_400NamingTheSampleAndNothingStored()
    {
        using var storage = OpenTsdb(DataDir);
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, storage);
        var http = vigil.Http;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        using var text = await http.PostAsync("/api/v1/import/prometheus", new StringContent($"ok_metric 1 {now}\nbad_metric 2 9223372036854775807\n"));
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        string body = await text.Content.ReadAsStringAsync();
        Assert.Contains("too far in the future", body, StringComparison.Ordinal);
        Assert.Contains("bad_metric", body, StringComparison.Ordinal);

        // A seconds field holding milliseconds (read as seconds: the year ~55,900).
        string json = $$"""[{"metric_name":"ok_metric","value":1},{"metric_name":"orders","value":3,"timestamp":{{now}}}]""";
        using var push = await http.PostAsync("/api/v1/push", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, push.StatusCode);
        using var doc = JsonDocument.Parse(await push.Content.ReadAsStringAsync());
        Assert.Contains("item 1", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("looks like milliseconds", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Eleven minutes ahead is refused by the storage's margin, naming the series.
        string ahead = (now / 1000.0 + 660).ToString("R", CultureInfo.InvariantCulture);
        using var future = await http.PostAsync("/api/v1/push", new StringContent($$"""{"metric_name":"orders","value":3,"timestamp":{{ahead}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("orders", await future.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var q = storage.Querier(long.MinValue / 2, long.MaxValue / 2);
        Assert.Empty(q.Select(true, null, LabelMatcher.Equal("__name__", "ok_metric")).ToList());
        // The text sample and the one eleven minutes ahead; the milliseconds item never reached the storage.
        Assert.Equal(2, storage.Head.Stats.TooFarInFutureSamples);
    }

    [Fact]
    public async Task Serve_DiskFull_Push507CountedAndResumesWhenSpaceReturns()
    {
        // A real 4 MB tmpfs, mounted in a mount namespace of the server's own, filled by a file and then emptied.
        string fs = Path.Combine(_work, "fs");
        int port = Processes.FreePort();
        using var vigil = VigilProcess.StartOnPrivateTmpfs(_work, fs, "4m",
            "serve", "--data-dir", Path.Combine(fs, "data"), "--listen", $"127.0.0.1:{port}", "--collectors", "none");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var batch = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            batch.Append(CultureInfo.InvariantCulture, $"disk_test{{n=\"{i}\"}} {i} {now}\n");
        }

        using (var first = await http.PostAsync("api/v1/import/prometheus", new StringContent("before_full 1\n")))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }
        var (fillCode, fillError) = await vigil.RunInNamespaceAsync($"head -c 64M /dev/zero > '{fs}/filler'");
        Assert.True(fillCode != 0 && fillError.Contains("No space left", StringComparison.Ordinal), $"the tmpfs did not fill: {fillCode} {fillError}");

        using (var full = await http.PostAsync("api/v1/import/prometheus", new StringContent(batch.ToString())))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
            using var doc = JsonDocument.Parse(await full.Content.ReadAsStringAsync());
            Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
            Assert.Equal("unavailable", doc.RootElement.GetProperty("errorType").GetString());
            Assert.Contains("no space left", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        string items = "[" + string.Join(",", Enumerable.Range(0, 3000).Select(i => "{\"metric_name\":\"disk_json\",\"value\":1,\"tags\":{\"n\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}")) + "]";
        using (var fullJson = await http.PostAsync("api/v1/push", new StringContent(items, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, fullJson.StatusCode);
        }
        var metrics = TextFormat.Parse(await http.GetStringAsync("metrics"));
        Assert.Equal(2, metrics.Single(s => s.Name == "vigil_tsdb_out_of_space_errors_total").Value);
        Assert.Equal("[]", await SeriesAsync(http, "disk_test"));
        using (var healthy = await http.GetAsync("-/healthy"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        var (rmCode, rmError) = await vigil.RunInNamespaceAsync($"rm '{fs}/filler'");
        Assert.True(rmCode == 0, rmError);
        using (var again = await http.PostAsync("api/v1/import/prometheus", new StringContent(batch.ToString())))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }
        Assert.NotEqual("[]", await SeriesAsync(http, "disk_test"));

        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.True(await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, vigil.Stderr);
    }

    private static async Task<string> SeriesAsync(HttpClient http, string metric)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/v1/series?match[]={metric}"));
        return doc.RootElement.GetProperty("data").GetRawText();
    }
}
