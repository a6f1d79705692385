using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary>The CLI in-process: parsing, exit codes, and series/dump against a server or a data directory.</summary>
public sealed class VigilCliTests : IDisposable
{
    private readonly MemoryStorage _storage = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-cli-").FullName;

    public VigilCliTests()
    {
        var app = _storage.Appender();
        app.Append(LabelSet.Of("__name__", "node_load1", "job", "vigil", "instance", "h"), 1_700_000_000_000, 0.5);
        app.Append(LabelSet.Of("__name__", "node_load1", "job", "vigil", "instance", "h"), 1_700_000_005_000, 0.75);
        app.Append(LabelSet.Of("__name__", "node_load1", "job", "vigil", "instance", "h"), 1_700_000_010_000, double.PositiveInfinity);
        app.Append(LabelSet.Of("__name__", "node_load5", "job", "vigil", "instance", "h"), 1_700_000_000_000, 1);
        app.Append(LabelSet.Of("__name__", "other", "job", "x"), 1_700_000_000_000, 2);
        app.Commit();
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(_storage), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task NoArguments_PrintsHelpAndExits2()
    {
        var (code, output, _) = await RunAsync();
        Assert.Equal(2, code);
        Assert.Contains("serve", output, StringComparison.Ordinal);
        Assert.Contains("dump", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("series")]
    [InlineData("dump")]
    [InlineData("query")]
    public async Task Help_EveryCommand_Exits0WithDescriptions(string command)
    {
        var (code, output, _) = await RunAsync(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("--data-dir", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_ShowsDefaultsAsWritten()
    {
        var (_, output, _) = await RunAsync("serve", "--help");
        Assert.Contains("[default: 127.0.0.1:9612]", output, StringComparison.Ordinal);
        Assert.Contains("[default: 5s]", output, StringComparison.Ordinal);
        Assert.Contains("[default: ./data]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "serve", "--interval", "5x" }, "--interval: not a valid duration string: \"5x\"")]
    [InlineData(new[] { "serve", "--interval", "0" }, "--interval: must be greater than 0")]
    [InlineData(new[] { "serve", "--listen", "9612" }, "--listen: invalid listen address \"9612\"")]
    [InlineData(new[] { "serve", "--retention-size", "1XB" }, "--retention-size: invalid size \"1XB\"")]
    [InlineData(new[] { "serve", "--wal-sync", "sometimes" }, "sometimes")]
    [InlineData(new[] { "serve", "--bogus" }, "--bogus")]
    [InlineData(new[] { "serve", "--collectors", "host,disk" }, "--collectors: invalid list \"host,disk\"")]
    [InlineData(new[] { "serve", "--query.max-samples", "0" }, "--query.max-samples: must be greater than 0")]
    [InlineData(new[] { "serve", "--query.timeout", "soon" }, "--query.timeout: ")]
    [InlineData(new[] { "series" }, "Option '--match' is required.")]
    [InlineData(new[] { "series", "--match", "up{" }, "--match: invalid selector \"up{\": 1:4: parse error:")]
    [InlineData(new[] { "series", "--match", "up", "--server", "ftp://x" }, "invalid --server \"ftp://x\"")]
    [InlineData(new[] { "series", "--match", "up", "--server", "http://x", "--data-dir", "d" }, "--server and --data-dir cannot be used together")]
    [InlineData(new[] { "dump", "--match", "up", "--from", "last tuesday" }, "--from: invalid time \"last tuesday\"")]
    [InlineData(new[] { "dump", "--match", "up", "--from", "2000", "--to", "1000" }, "--to (1000000) is before --from (2000000)")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate'")]
    [InlineData(new[] { "query" }, "Required argument missing for command: 'query'")]
    [InlineData(new[] { "query", "up", "--time", "1700000000", "--step", "15s" }, "--time cannot be combined with --start, --end or --step")]
    [InlineData(new[] { "query", "up", "--step", "fast" }, "--step: invalid step \"fast\"")]
    [InlineData(new[] { "query", "up", "--output", "xml" }, "xml")]
    [InlineData(new[] { "query", "up", "--start", "1700000010", "--end", "1700000000" }, "--end (1700000000) is before --start (1700000010)")]
    public async Task UsageErrors_Exit2WithClearMessage(string[] args, string message)
    {
        var (code, _, err) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Series_DataDir_ListsUnionSorted()
    {
        var (code, output, err) = await RunAsync("series", "--match", "node_load1", "--match", "{job=\"vigil\"}", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal(
            "node_load1{instance=\"h\", job=\"vigil\"}\n" +
            "node_load5{instance=\"h\", job=\"vigil\"}\n",
            output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Series_MissingDataDir_Exits1NamingIt()
    {
        var (code, _, err) = await RunAsync("series", "--match", "up", "--data-dir", Path.Combine(_dataDir, "nope"));
        Assert.Equal(1, code);
        Assert.Contains("nope does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_DataDirWithRange_PrintsSamplesLikePromtool()
    {
        var (code, output, err) = await RunAsync("dump", "--match", "node_load1", "--from", "1700000005", "--to", "2023-11-14T22:13:30Z", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal(
            "node_load1{instance=\"h\", job=\"vigil\"} 0.75 1700000005000\n" +
            "node_load1{instance=\"h\", job=\"vigil\"} +Inf 1700000010000\n",
            output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task SeriesAndDump_Json_LabelObjectsAndExportLines()
    {
        var series = await RunAsync("series", "--match", "node_load1", "--data-dir", _dataDir, "--output", "json");
        Assert.True(series.Code == 0, series.Err);
        Assert.Equal("[{\"__name__\":\"node_load1\",\"instance\":\"h\",\"job\":\"vigil\"}]\n", series.Out.ReplaceLineEndings("\n"));

        var dump = await RunAsync("dump", "--match", "{job=\"vigil\"}", "--data-dir", _dataDir, "-o", "json");
        Assert.True(dump.Code == 0, dump.Err);
        Assert.Equal(
            "{\"metric\":{\"__name__\":\"node_load1\",\"instance\":\"h\",\"job\":\"vigil\"},\"values\":[0.5,0.75,\"+Inf\"],\"timestamps\":[1700000000000,1700000005000,1700000010000]}\n" +
            "{\"metric\":{\"__name__\":\"node_load5\",\"instance\":\"h\",\"job\":\"vigil\"},\"values\":[1],\"timestamps\":[1700000000000]}\n",
            dump.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task SeriesAndDump_AgainstRunningServer_SameAsDataDir()
    {
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, _storage);
        var server = vigil.Server;
        string url = server.BaseAddress.ToString();

        var series = await RunAsync("series", "--match", "{job=\"vigil\"}", "--server", url);
        var seriesDir = await RunAsync("series", "--match", "{job=\"vigil\"}", "--data-dir", _dataDir);
        Assert.Equal(0, series.Code);
        Assert.Equal(seriesDir.Out, series.Out);

        var dump = await RunAsync("dump", "--match", "node_load1", "--server", url);
        var dumpDir = await RunAsync("dump", "--match", "node_load1", "--data-dir", _dataDir);
        Assert.Equal(0, dump.Code);
        Assert.Equal(3, dump.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(dumpDir.Out, dump.Out);

        var dumpJson = await RunAsync("dump", "--match", "node_load1", "--server", url, "--output", "json");
        Assert.Equal((await RunAsync("dump", "--match", "node_load1", "--data-dir", _dataDir, "--output", "json")).Out, dumpJson.Out);
        Assert.Equal((await RunAsync("series", "--match", "{job=\"vigil\"}", "--data-dir", _dataDir, "-o", "json")).Out,
            (await RunAsync("series", "--match", "{job=\"vigil\"}", "--server", url, "-o", "json")).Out);

        var ranged = await RunAsync("dump", "--match", "node_load1", "--from", "1700000005", "--to", "1700000005", "--server", url);
        Assert.Equal("node_load1{instance=\"h\", job=\"vigil\"} 0.75 1700000005000\n", ranged.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_DataDirInstant_TableOfSeriesAndValues()
    {
        var (code, output, err) = await RunAsync("query", "{job=\"vigil\"}", "--time", "1700000010", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal(
            "SERIES                                 VALUE\n" +
            "node_load1{instance=\"h\", job=\"vigil\"}  +Inf\n" +
            "node_load5{instance=\"h\", job=\"vigil\"}  1\n",
            output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_DataDirRange_CsvOneRowPerPoint()
    {
        var (code, output, err) = await RunAsync("query", "node_load1", "--start", "1700000000", "--end", "2023-11-14T22:13:30Z", "--step", "2.5", "-o", "csv", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal(
            "__name__,instance,job,timestamp,value\n" +
            "node_load1,h,vigil,1700000000,0.5\n" +
            "node_load1,h,vigil,1700000002.5,0.5\n" +
            "node_load1,h,vigil,1700000005,0.75\n" +
            "node_load1,h,vigil,1700000007.5,0.75\n" +
            "node_load1,h,vigil,1700000010,+Inf\n",
            output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_Json_PrometheusDataObject()
    {
        var (code, output, err) = await RunAsync("query", "sum(node_load5) * 2", "--time", "1700000000", "-o", "json", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal("{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1700000000,\"2\"]}]}\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_ScalarTableAndWarningsOnStderr()
    {
        var (code, output, err) = await RunAsync("query", "scalar(sum(node_load5)) + 0.5", "--time", "1700000000", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        Assert.Equal("TIME                      VALUE\n2023-11-14T22:13:20.000Z  1.5\n", output.ReplaceLineEndings("\n"));

        var info = await RunAsync("query", "rate(node_load1[1m])", "--time", "1700000010", "--data-dir", _dataDir);
        Assert.Equal(0, info.Code);
        Assert.Contains("vigil: PromQL info: metric might not be a counter", info.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_BadExpression_Exits1WithPosition()
    {
        var (code, _, err) = await RunAsync("query", "sum(", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        Assert.Contains("vigil: query failed (bad_data): 1:5: parse error: unclosed left parenthesis", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("table")]
    [InlineData("json")]
    [InlineData("csv")]
    public async Task Query_AgainstRunningServer_SameAsDataDir(string format)
    {
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, _storage);
        var server = vigil.Server;
        string url = server.BaseAddress.ToString();
        foreach (var args in new[]
        {
            new[] { "query", "{job=~\"vigil|x\"}", "--time", "1700000007.5" },
            ["query", "node_load1 * 2", "--start", "1700000000", "--end", "1700000010", "--step", "5s"],
            ["query", "time()", "--time", "1700000000"],
            ["query", "\"text\"", "--time", "1700000000"],
        })
        {
            var remote = await RunAsync([.. args, "-o", format, "--server", url]);
            var local = await RunAsync([.. args, "-o", format, "--data-dir", _dataDir]);
            Assert.True(remote.Code == 0, remote.Err);
            Assert.Equal(local.Out, remote.Out);
        }
        var bad = await RunAsync("query", "sum(", "--server", url);
        Assert.Equal(1, bad.Code);
        Assert.Contains("400 Bad Request: invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Series_ServerNotRunning_Exits1NamingTheUrl()
    {
        int port = Processes.FreePort();
        var (code, _, err) = await RunAsync("series", "--match", "up", "--server", $"http://127.0.0.1:{port}");
        Assert.Equal(1, code);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/api/v1/series", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestPromQL_Directory_PrintsPerFileCountsAndFailuresAsFileLine()
    {
        string dir = Path.Combine(_dataDir, "promqltest");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "good.test"), "load 1m\n  up{job=\"a\"} 1 2 3\n\neval instant at 2m up\n  up{job=\"a\"} 3\n\neval instant at 2m sum(up)\n  {} 3\n");
        var (okCode, okOut, _) = await RunAsync("test", "promql", dir);
        Assert.Equal(0, okCode);
        Assert.Contains("good.test: ran 2, passed 2, failed 0", okOut, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(dir, "bad.test"), "load 1m\n  up{job=\"a\"} 1 2 3\n\neval instant at 2m up\n  up{job=\"a\"} 4\n");
        var (badCode, badOut, _) = await RunAsync("test", "promql", dir);
        Assert.Equal(1, badCode);
        Assert.Contains("bad.test: ran 1, passed 0, failed 1", badOut, StringComparison.Ordinal);
        Assert.Contains("bad.test:4", badOut, StringComparison.Ordinal);
        Assert.Contains("total: 2 files, ran 3, passed 2, failed 1", badOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestPromQL_MissingDirectory_Exits2NamingIt()
    {
        var (code, _, err) = await RunAsync("test", "promql", Path.Combine(_dataDir, "nope"));
        Assert.Equal(2, code);
        Assert.Contains("nope\" does not exist", err, StringComparison.Ordinal);
    }
}
