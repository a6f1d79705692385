using System.Text.Json;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Api;

/// <summary><c>/api/v1/targets</c> and the metadata endpoints in Prometheus's JSON shapes.</summary>
public sealed class TargetsApiTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private MetricsEndpoint _endpoint = null!;
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync()
    {
        _endpoint = await MetricsEndpoint.StartAsync();
        _endpoint.Set("/metrics", "# HELP jobs Jobs in the queue.\n# TYPE jobs gauge\njobs 3\n");
        var config = VigilConfig.Parse($$"""
            scrape_configs:
              - job_name: app
                scrape_interval: 1h
                scrape_timeout: 3s
                static_configs:
                  - targets: ['{{_endpoint.Address}}', 'skip.example:1']
                relabel_configs:
                  - { source_labels: [__address__], regex: 'skip\..*', action: drop }
            """);
        _vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectHost = false,
            CollectSelf = false,
            CollectionInterval = TimeSpan.FromHours(1),
            ScrapeConfigs = config.ScrapeConfigs,
        }, _storage);
    }

    public async Task DisposeAsync()
    {
        await _vigil.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private async Task<JsonElement> DataAsync(string path)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(path));
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task Targets_BeforeFirstScrape_HealthUnknownAndZeroTime()
    {
        var t = (await DataAsync("/api/v1/targets")).GetProperty("activeTargets")[0];
        Assert.Equal("unknown", t.GetProperty("health").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", t.GetProperty("lastScrape").GetString());
        Assert.Equal(0, t.GetProperty("lastScrapeDuration").GetDouble());
    }

    [Fact]
    public async Task Targets_AfterScrape_PrometheusShape()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await _vigil.Server.ScrapeManager.ScrapeAllNowAsync();
        var data = await DataAsync("/api/v1/targets");
        var t = Assert.Single(data.GetProperty("activeTargets").EnumerateArray());
        Assert.Equal(
            ["discoveredLabels", "labels", "scrapePool", "scrapeUrl", "globalUrl", "lastError", "lastScrape", "lastScrapeDuration", "health", "scrapeInterval", "scrapeTimeout"],
            t.EnumerateObject().Select(p => p.Name));
        Assert.Equal("app", t.GetProperty("scrapePool").GetString());
        Assert.Equal($"http://{_endpoint.Address}/metrics", t.GetProperty("scrapeUrl").GetString());
        Assert.Equal("up", t.GetProperty("health").GetString());
        Assert.Equal("1h", t.GetProperty("scrapeInterval").GetString());
        Assert.Equal("3s", t.GetProperty("scrapeTimeout").GetString());
        Assert.True(DateTimeOffset.Parse(t.GetProperty("lastScrape").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= before);
        Assert.InRange(t.GetProperty("lastScrapeDuration").GetDouble(), 0.0000001, 3);
        Assert.Equal(
            new Dictionary<string, string> { ["instance"] = _endpoint.Address, ["job"] = "app" },
            t.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        var discovered = t.GetProperty("discoveredLabels");
        Assert.Equal(_endpoint.Address, discovered.GetProperty("__address__").GetString());
        Assert.Equal("/metrics", discovered.GetProperty("__metrics_path__").GetString());
        Assert.Equal("http", discovered.GetProperty("__scheme__").GetString());
        Assert.Equal("app", discovered.GetProperty("job").GetString());

        var dropped = Assert.Single(data.GetProperty("droppedTargets").EnumerateArray());
        Assert.Equal("skip.example:1", dropped.GetProperty("discoveredLabels").GetProperty("__address__").GetString());
        Assert.Equal(1, data.GetProperty("droppedTargetCounts").GetProperty("app").GetInt32());
    }

    [Fact]
    public async Task Targets_StateAndPoolFilters()
    {
        var onlyDropped = await DataAsync("/api/v1/targets?state=dropped");
        Assert.Empty(onlyDropped.GetProperty("activeTargets").EnumerateArray());
        Assert.Single(onlyDropped.GetProperty("droppedTargets").EnumerateArray());
        var onlyActive = await DataAsync("/api/v1/targets?state=active");
        Assert.Single(onlyActive.GetProperty("activeTargets").EnumerateArray());
        Assert.Empty(onlyActive.GetProperty("droppedTargets").EnumerateArray());
        var otherPool = await DataAsync("/api/v1/targets?scrapePool=nope");
        Assert.Empty(otherPool.GetProperty("activeTargets").EnumerateArray());
    }

    [Fact]
    public async Task TargetMetadata_ListsTargetAndType()
    {
        await _vigil.Server.ScrapeManager.ScrapeAllNowAsync();
        var item = Assert.Single((await DataAsync("/api/v1/targets/metadata?match_target={job=\"app\"}&metric=jobs")).EnumerateArray());
        Assert.Equal("app", item.GetProperty("target").GetProperty("job").GetString());
        Assert.Equal("gauge", item.GetProperty("type").GetString());
        Assert.Equal("Jobs in the queue.", item.GetProperty("help").GetString());
        Assert.Empty((await DataAsync("/api/v1/targets/metadata?match_target={job=\"other\"}")).EnumerateArray());
        using var bad = await Http.GetAsync("/api/v1/targets/metadata?match_target={job=");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
