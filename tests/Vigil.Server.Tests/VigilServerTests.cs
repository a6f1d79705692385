using System.Net;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>One in-process server on a free port over the embedded TSDB in a temporary directory, shared by the read-only HTTP tests.</summary>
public sealed class RunningServerFixture : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-api-").FullName;

    internal TsdbStorage Storage { get; private set; } = null!;

    internal VigilServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        Server = new VigilServer(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectionInterval = TimeSpan.FromHours(1),
            Instance = "test-host",
        }, Storage);
        await Server.StartAsync();
        await Server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Storage.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }
}

[Collection(EmbeddedTsdbCollection.Name)]
public sealed class VigilServerTests(RunningServerFixture fixture) : IClassFixture<RunningServerFixture>
{
    private HttpClient Http => fixture.Http;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r)
    {
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static List<Dictionary<string, string>> SeriesData(JsonElement root)
    {
        Assert.Equal("success", root.GetProperty("status").GetString());
        return root.GetProperty("data").EnumerateArray()
            .Select(o => o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))
            .ToList();
    }

    [Fact]
    public async Task Healthy_Returns200()
    {
        using var r = await Http.GetAsync("/-/healthy");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("Vigil is Healthy.\n", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_AfterFirstCollection_Returns200()
    {
        using var r = await Http.GetAsync("/-/ready");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.True(fixture.Server.IsReady);
    }

    [Fact]
    public async Task Metrics_TextFormatWithProcessRuntimeAndServerMetrics()
    {
        using var r = await Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", r.Content.Headers.ContentType?.ToString());
        string text = await r.Content.ReadAsStringAsync();
        var samples = TextFormat.Parse(text);

        Assert.True(samples.Single(s => s.Name == "process_resident_memory_bytes").Value > 1_000_000);
        Assert.True(samples.Single(s => s.Name == "process_start_time_seconds").Value > 1_600_000_000);
        Assert.Contains(samples, s => s.Name == "dotnet_gc_collections_total" && s.Labels.GetValueOrDefault("gc_heap_generation") == "gen0");
        Assert.Contains(samples, s => s.Name == "vigil_collector_collections_total" && s.Labels["collector"] == "host" && s.Labels["result"] == "success");
        Assert.Equal(fixture.Storage.Head.SeriesCount, samples.Single(s => s.Name == "vigil_tsdb_head_series").Value);
        Assert.True(samples.Single(s => s.Name == "vigil_tsdb_head_samples_appended_total").Value > 100);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains(samples, s => s.Name == "vigil_build_info" && s.Labels.ContainsKey("version"));
    }

    [Fact]
    public async Task Series_AfterCollection_ReturnsNodeCpuSeriesInPrometheusShape()
    {
        using var r = await Http.GetAsync("/api/v1/series?match[]=node_cpu_seconds_total");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var root = await JsonAsync(r);
        Assert.Equal(["status", "data"], root.EnumerateObject().Select(p => p.Name));
        var data = SeriesData(root);
        Assert.Equal(Environment.ProcessorCount * 8, data.Count);
        Assert.All(data, s =>
        {
            Assert.Equal(["__name__", "cpu", "instance", "job", "mode"], s.Keys);
            Assert.Equal("node_cpu_seconds_total", s["__name__"]);
            Assert.Equal("vigil", s["job"]);
            Assert.Equal("test-host", s["instance"]);
        });
        Assert.Contains(data, s => s["cpu"] == "0" && s["mode"] == "idle");
    }

    [Fact]
    public async Task Series_SelfMetricsAreStoredToo()
    {
        var data = SeriesData(await JsonAsync(await Http.GetAsync("/api/v1/series?match[]={__name__=~\"process_resident_memory_bytes|dotnet_gc_collections_total\"}")));
        Assert.Contains(data, s => s["__name__"] == "process_resident_memory_bytes" && s["job"] == "vigil");
        Assert.Contains(data, s => s["__name__"] == "dotnet_gc_collections_total" && s["gc_heap_generation"] == "gen2");
    }

    [Fact]
    public async Task Series_PostForm_SameAsGetAndMergesSeveralMatchers()
    {
        using var form = new FormUrlEncodedContent([new("match[]", "node_load1"), new("match[]", "node_load5"), new("match[]", "node_load1")]);
        var data = SeriesData(await JsonAsync(await Http.PostAsync("/api/v1/series", form)));
        Assert.Equal(["node_load1", "node_load5"], data.Select(s => s["__name__"]));
    }

    [Fact]
    public async Task Series_TimeRangeBeforeAnyData_ReturnsEmptyArray()
    {
        using var r = await Http.GetAsync("/api/v1/series?match[]=node_load1&start=2000-01-01T00:00:00Z&end=946684900.5");
        Assert.Equal("{\"status\":\"success\",\"data\":[]}", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Series_Limit_TruncatesWithWarning()
    {
        var root = await JsonAsync(await Http.GetAsync("/api/v1/series?match[]=node_cpu_seconds_total&limit=3"));
        Assert.Equal(3, SeriesData(root).Count);
        Assert.Equal(["results truncated due to limit"], root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Theory]
    [InlineData("/api/v1/series?match[]=up{job=", "invalid parameter \"match[]\": 1:8: parse error: unexpected end of input")]
    [InlineData("/api/v1/series?match[]={job=\"\"}", "invalid parameter \"match[]\": match[] must contain at least one non-empty matcher")]
    [InlineData("/api/v1/series", "no match[] parameter provided")]
    [InlineData("/api/v1/series?match[]=up&start=yesterday", "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"yesterday\" to a valid timestamp")]
    [InlineData("/api/v1/series?match[]=up&end=2023-13-01T00:00:00Z", "invalid parameter \"end\": Invalid time value for 'end': cannot parse")]
    [InlineData("/api/v1/series?match[]=up&limit=-1", "invalid parameter \"limit\": limit must be non-negative")]
    [InlineData("/api/v1/labels?match[]=%7B", "invalid parameter \"match[]\": 1:2: parse error")]
    public async Task BadParameters_Return400BadDataNamingTheParameter(string url, string errorStart)
    {
        using var r = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var root = await JsonAsync(r);
        Assert.Equal("error", root.GetProperty("status").GetString());
        Assert.Equal("bad_data", root.GetProperty("errorType").GetString());
        Assert.StartsWith(errorStart, root.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_ListsSortedNames()
    {
        var root = await JsonAsync(await Http.GetAsync("/api/v1/labels"));
        var names = root.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("__name__", names);
        Assert.Contains("cpu", names);
        Assert.Contains("mountpoint", names);

        var filtered = (await JsonAsync(await Http.GetAsync("/api/v1/labels?match[]=node_load1"))).GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["__name__", "instance", "job"], filtered);
    }

    [Fact]
    public async Task LabelValues_ReturnsValuesAndAcceptsEscapedNames()
    {
        var jobs = (await JsonAsync(await Http.GetAsync("/api/v1/label/job/values"))).GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["vigil"], jobs);
        var names = (await JsonAsync(await Http.GetAsync("/api/v1/label/__name__/values?match[]={job=\"vigil\"}"))).GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("node_load1", names);
        Assert.Contains("process_cpu_seconds_total", names);
        // Prometheus 3's escaping for label names in URL paths.
        var escaped = (await JsonAsync(await Http.GetAsync("/api/v1/label/U__job/values"))).GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["vigil"], escaped);
    }

    [Fact]
    public async Task Export_ReturnsJsonLinesWithValuesAndTimestamps()
    {
        string body = await Http.GetStringAsync("/api/v1/export?match[]=node_load1");
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("node_load1", line.GetProperty("metric").GetProperty("__name__").GetString());
        var values = line.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var timestamps = line.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToList();
        Assert.Equal(values.Count, timestamps.Count);
        using var q = fixture.Storage.Querier(Timestamp.Min, Timestamp.Max);
        var (labels, stored) = Assert.Single(q.Select(true, null, LabelMatcher.MetricName("node_load1")).ToList());
        Assert.Equal(LabelSet.Of("__name__", "node_load1", "job", "vigil", "instance", "test-host"), labels);
        Assert.Equal(stored.Select(s => s.T), timestamps);
        Assert.Equal(stored.Select(s => s.V), values);
    }

    [Fact]
    public async Task Index_ListsEndpoints()
        => Assert.Contains("/api/v1/series", await Http.GetStringAsync("/"), StringComparison.Ordinal);

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        using var r = await Http.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }
}

public sealed class VigilServerLifecycleTests
{
    [Fact]
    public async Task Ready_BeforeFirstCollectionFinishes_Returns503()
    {
        using var gate = new ManualResetEventSlim(false);
        var slow = new DelegateCollector("slow", (_, _) => gate.Wait(TimeSpan.FromSeconds(30)));
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
        }, new MemoryStorage(), null, [slow], null);
        var server = vigil.Server;
        var http = vigil.Http;

        using (var r = await http.GetAsync("/-/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        using (var r = await http.GetAsync("/-/healthy"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        gate.Set();
        await server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        using (var r = await http.GetAsync("/-/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
    }

    [Fact]
    public async Task Start_PortInUse_ThrowsNamingTheAddress()
    {
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using var server = new VigilServer(new VigilServerOptions { Listen = new ListenAddress("127.0.0.1", port), CollectHost = false }, new MemoryStorage());
        var e = await Assert.ThrowsAnyAsync<IOException>(() => server.StartAsync());
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_StopsCollectingAndListening()
    {
        var storage = new MemoryStorage();
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectionInterval = TimeSpan.FromMilliseconds(50),
            CollectHost = false,
        }, storage);
        await server.StartAsync();
        var address = server.BaseAddress;
        await server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        await server.StopAsync();
        int commits = storage.Commits;
        await Task.Delay(300);
        Assert.Equal(commits, storage.Commits);
        Assert.False(server.IsReady);
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(address, "/-/healthy")));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        await using var server = new VigilServer(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false }, new MemoryStorage());
        await server.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
    }
}
