using System.Globalization;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>Data survives restarts, can be read while a server runs, and can be imported — through the real executable.</summary>
public sealed class DataPersistenceTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-data-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<List<(long T, double V)>> ExportAsync(HttpClient http, string selector)
    {
        string body = await http.GetStringAsync("api/v1/export?match[]=" + Uri.EscapeDataString(selector));
        var result = new List<(long, double)>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var ts = doc.RootElement.GetProperty("timestamps").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var vs = doc.RootElement.GetProperty("values").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN).ToArray();
            result.AddRange(ts.Zip(vs));
        }
        return result.OrderBy(x => x.Item1).ToList();
    }

    [Fact]
    public async Task Serve_RestartAfterSigterm_KeepsEarlierSamples_AndDumpReadsWhileServerRuns()
    {
        int port = Processes.FreePort();
        List<(long T, double V)> before;
        using (var vigil = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}", "--interval", "1s"))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
            before = await Poll.ForAsync(() => ExportAsync(http, "node_load1"), b => b.Count >= 2, b => $"{b?.Count ?? 0} samples of node_load1", TimeSpan.FromSeconds(30));
            Assert.True(before.Count >= 2, $"only {before.Count} samples before restart");

            // Read-only access to the locked data dir from a second process.
            using var dump = VigilProcess.Start(_work, "dump", "--data-dir", "data", "--match", "node_load1");
            Assert.Equal(0, await dump.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var lines = dump.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length >= 2, $"dump printed {lines.Length} lines; stderr: {dump.Stderr}");
            Assert.All(lines, l => Assert.StartsWith("node_load1{", l, StringComparison.Ordinal));

            Signals.Send(vigil.Process.Id, Signals.SigTerm);
            Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        using (var vigil = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}", "--interval", "1s"))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
            var after = await ExportAsync(http, "node_load1");
            foreach (var s in before)
            {
                Assert.Contains(s, after);
            }
            Assert.True(after.Count > before.Count);
            Signals.Send(vigil.Process.Id, Signals.SigTerm);
            Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task Import_ValidFile_WritesBlocksThatDumpReads()
    {
        string file = Path.Combine(_work, "in.om");
        await File.WriteAllTextAsync(file, string.Join('\n',
            "# TYPE http_requests counter",
            "http_requests_total{code=\"200\",job=\"api\"} 10 1700000000.000",
            "http_requests_total{code=\"200\",job=\"api\"} 15 1700000015.000",
            "http_requests_total{code=\"500\",job=\"api\"} 1 1700000000.000",
            "# TYPE temp gauge",
            "temp{room=\"a\"} -3.5 1700000007.250",
            "# EOF",
            ""));
        using var import = VigilProcess.Start(_work, "import", "openmetrics", file, "--data-dir", "imported");
        Assert.True(await import.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, import.Stderr);
        Assert.Contains("imported 4 samples of 3 series into 1 block(s)", import.Stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(_work, "imported")), d => File.Exists(Path.Combine(d, "meta.json")));

        using var dump = VigilProcess.Start(_work, "dump", "--data-dir", "imported", "--match", "{__name__=~\"http_requests_total|temp\"}");
        Assert.Equal(0, await dump.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var lines = dump.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "http_requests_total{code=\"200\", job=\"api\"} 10 1700000000000",
                "http_requests_total{code=\"200\", job=\"api\"} 15 1700000015000",
                "http_requests_total{code=\"500\", job=\"api\"} 1 1700000000000",
                "temp{room=\"a\"} -3.5 1700000007250",
            ],
            lines);
    }

    [Theory]
    [InlineData("http_requests_total{code=\"200\"} 1 1700000000.000\nhttp_requests_total{code=\"200\" 2 1700000015.000\n# EOF\n", "in.om:3:")]
    [InlineData("http_requests_total{code=\"200\"} 1 1700000015.000\nhttp_requests_total{code=\"200\"} 2 1700000000.000\n# EOF\n", "in.om:3:")]
    [InlineData("http_requests_total{code=\"200\"} 1\n# EOF\n", "in.om:2:")]
    public async Task Import_BadLine_StopsWithFileLineAndWritesNothing(string samples, string where)
    {
        string file = Path.Combine(_work, "in.om");
        await File.WriteAllTextAsync(file, "# TYPE http_requests counter\n" + samples);
        using var import = VigilProcess.Start(_work, "import", "openmetrics", file, "--data-dir", "imported");
        Assert.Equal(1, await import.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(where, import.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", import.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_work, "imported")));
    }

    [Fact]
    public async Task Import_IntoDataDirOfRunningServer_FailsNamingTheLock()
    {
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Processes.WaitForHttpAsync(http, "-/healthy", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
        string file = Path.Combine(_work, "in.om");
        await File.WriteAllTextAsync(file, "up 1 1700000000\n# EOF\n");
        using var import = VigilProcess.Start(_work, "import", "openmetrics", file, "--data-dir", "data");
        Assert.Equal(1, await import.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("in use by another Vigil process (pid " + vigil.Process.Id.ToString(CultureInfo.InvariantCulture) + ")", import.Stderr, StringComparison.Ordinal);
        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
