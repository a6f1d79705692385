using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Vigil.Cli;
using Vigil.Core.Diagnostics;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;
using Vigil.Rules.Notifier;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>
/// The rough edges a new user met in their first hour with Vigil (issue 16): alert links, where the CLI reads from,
/// empty results, a busy port, runtime and flag status, Vigil's own series names, and .NET text in errors.
/// </summary>
public sealed class FirstHourTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-first-hour-").FullName;
    private MetricsEndpoint _target = null!;
    private VigilServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _target = await MetricsEndpoint.StartAsync();
        // Note: the target exposes job and instance labels of its own, as federation and pushgateway targets do.
        _target.Set("/metrics", "app_requests_total{job=\"inner\"} 3\n");
        var config = VigilConfig.Parse($$"""
            scrape_configs:
              - job_name: app
                scrape_interval: 200ms
                static_configs: [{ targets: ['{{_target.Address}}'] }]
            """);
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromMilliseconds(300),
            CollectHost = false,
            Instance = "first-hour",
            ScrapeConfigs = config.ScrapeConfigs,
            Flags = new Dictionary<string, string> { ["listen"] = "127.0.0.1:0", ["retention"] = "15d", ["web.insecure-listen"] = "false" },
            StorageRetention = TimeSpan.FromDays(15),
        }, _storage);
        await _server.StartAsync();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _target.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => FixedStorageProvider.RunCliAsync(_storage, args);

    private string Url => _server.BaseAddress.ToString();

    [Fact]
    public async Task GeneratorUrl_OfAnAlert_OpensTheExpressionInExplore()
    {
        string url = NotificationAlert.ExploreUrl(Url, "rate(app_requests_total[5m]) > 1");
        Assert.Equal(Url + "explore?expr=rate%28app_requests_total%5B5m%5D%29%20%3E%201&tab=table", url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/graph?g0.expr=up%7Bjob%3D%22app%22%7D&g0.tab=1", "/explore?expr=up%7Bjob%3D%22app%22%7D&tab=table")]
    [InlineData("/graph?g0.expr=sum(rate(x%5B5m%5D))&g0.tab=0&g0.range_input=6h", "/explore?expr=sum%28rate%28x%5B5m%5D%29%29&tab=graph&range=6h")]
    [InlineData("/graph", "/explore?tab=graph")]
    public async Task Graph_PrometheusLink_RedirectsToExplore(string path, string location)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Query_WithoutSourceOptions_AsksTheServerNotADataDirectory()
    {
        // Note: nothing listens on port 1; the error must name the server, not a missing ./data.
        var (code, _, err) = await RunAsync("query", "up", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("cannot reach http://127.0.0.1:1/api/v1/query", err, StringComparison.Ordinal);

        var help = await RunAsync("query", "--help");
        Assert.Contains("Default: " + CommonOptions.DefaultServer, help.Out, StringComparison.Ordinal);
        var fromOtherDir = await RunAsync("series", "--match", "up");
        Assert.DoesNotContain("data directory", fromOtherDir.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("query", "app_requests_total")]
    [InlineData("series", "--match", "app_requests_total")]
    [InlineData("dump", "--match", "app_requests_total")]
    [InlineData("forecast", "app_requests_total")]
    [InlineData("top", "--once")]
    [InlineData("analyze")]
    public async Task ReadCommands_ServerByDefault_DataDirForOffline(params string[] command)
    {
        var (code, _, err) = await RunAsync([.. command, "--server", Url, "--data-dir", _dir]);
        Assert.Equal(2, code);
        Assert.Contains("--server and --data-dir cannot be used together", err, StringComparison.Ordinal);
        var help = await RunAsync(command[0], "--help");
        Assert.Contains("--data-dir", help.Out, StringComparison.Ordinal);
        Assert.Contains("--server", help.Out, StringComparison.Ordinal);
        Assert.Contains("offline", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_NoSeriesMatch_SaysHowManyScrapeTargetsThereAre()
    {
        await Poll.UntilAsync(async () => (await RunAsync("query", "app_requests_total", "--server", Url)).Out.Contains("app_requests_total", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));
        var (code, output, err) = await RunAsync("query", "nothing_is_called_this", "--server", Url);
        Assert.Equal(0, code);
        Assert.Equal("SERIES  VALUE\n", output);
        Assert.Contains("vigil: no series match; configured scrape targets: 1 (1 up, see " + Url + "targets)", err, StringComparison.Ordinal);

        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectionInterval = TimeSpan.FromHours(1) }, new MemoryStorage());
        var bare = vigil.Server;
        (_, _, err) = await RunAsync("query", "up", "--server", bare.BaseAddress.ToString());
        Assert.Contains("vigil: no series match; configured scrape targets: 0 — add targets under scrape_configs:", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuntimeInfo_PrometheusShape()
    {
        using var response = await _http.GetAsync("/api/v1/status/runtimeinfo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        var data = doc.RootElement.GetProperty("data");
        Assert.True(DateTimeOffset.Parse(data.GetProperty("startTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture) <= DateTimeOffset.UtcNow);
        Assert.Equal(Environment.CurrentDirectory, data.GetProperty("CWD").GetString());
        Assert.True(data.GetProperty("reloadConfigSuccess").GetBoolean());
        Assert.True(data.GetProperty("goroutineCount").GetInt32() > 0);
        Assert.Equal(Environment.ProcessorCount, data.GetProperty("GOMAXPROCS").GetInt32());
        Assert.Equal("2w1d", data.GetProperty("storageRetention").GetString());
    }

    [Fact]
    public async Task Flags_PrometheusShape_NameToValue()
    {
        using var response = await _http.GetAsync("/api/v1/status/flags");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"listen\":\"127.0.0.1:0\",\"retention\":\"15d\",\"web.insecure-listen\":\"false\"}}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SelfMetrics_OfScrapes_CarryScrapeJobAndNoExportedLabels()
    {
        var engine = new PromQLEngine();
        await Poll.UntilAsync(() => Task.FromResult(engine.InstantQuery(_storage, "vigil_scrape_scrapes_total", Timestamp.Now()).Value is VectorValue { Samples.Count: > 0 }),
            timeout: TimeSpan.FromSeconds(30));
        var scrapes = Assert.IsType<VectorValue>(engine.InstantQuery(_storage, "vigil_scrape_scrapes_total{result=\"success\"}", Timestamp.Now()).Value);
        var s = Assert.Single(scrapes.Samples);
        Assert.Equal("app", s.Labels.Get("scrape_job"));
        Assert.Equal("vigil", s.Labels.Get("job"));
        // Vigil's own series never get exported_* labels; the scraped target's own label does (Prometheus's rule).
        var exported = Assert.IsType<VectorValue>(engine.InstantQuery(_storage, "{exported_job=~\".+\"}", Timestamp.Now()).Value);
        Assert.All(exported.Samples, e => Assert.Equal("app_requests_total", e.Labels.Get(LabelSet.MetricName)));
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Get(LabelSet.MetricName).StartsWith("vigil_", StringComparison.Ordinal) && l.AsSpan().ToArray().Any(x => x.Name.StartsWith("exported_", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Serve_PortInUse_OneLineSuggestingListen()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var vigil = VigilProcess.Start(_dir, "serve", "--listen", $"127.0.0.1:{port}", "--data-dir", Path.Combine(_dir, "data"), "--collectors", "none");
        Assert.Equal(1, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        string err = vigil.Stderr;
        var failures = err.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToList();
        string line = Assert.Single(failures);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}: the address is already in use", line, StringComparison.Ordinal);
        Assert.Contains($"--listen 127.0.0.1:{port + 1}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void UserMessage_ArgumentException_WithoutDotnetDecorations()
    {
        Assert.Equal("Holt–Winters needs at least 4 points, got 2.", UserMessage.Of(new ArgumentException("Holt–Winters needs at least 4 points, got 2.", "values")));
        Assert.Equal("horizon must be positive", UserMessage.Of(new ArgumentOutOfRangeException("horizonMs", -1, "horizon must be positive")));
    }

    [Fact]
    public async Task Cli_UnexpectedException_OneLineWithoutTypeOrParameter()
    {
        var root = new System.CommandLine.Command("boom");
        root.SetAction((System.CommandLine.ParseResult _) => (int)Throw());
        static int Throw() => throw new ArgumentException("a season of 24 points needs at least 48 values, got 10.", "values");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["boom"], new FixedStorageProvider(_storage), stdout, stderr, r => r.Subcommands.Add(root));
        Assert.Equal(1, code);
        Assert.Equal("vigil: a season of 24 points needs at least 48 values, got 10.\n", stderr.ToString());
    }

    [Fact]
    public async Task OptimizeList_ModeOff_SaysHowToTurnItOn()
    {
        var (code, output, err) = await RunAsync("optimize", "list", "--server", Url);
        Assert.True(code == 0, err);
        Assert.StartsWith("mode: off\nThe optimizer is off on this server: add an optimization: section with mode: recommend, approve or auto", output, StringComparison.Ordinal);
        Assert.Contains("docs/OPTIMIZATION.md", output, StringComparison.Ordinal);
    }
}
