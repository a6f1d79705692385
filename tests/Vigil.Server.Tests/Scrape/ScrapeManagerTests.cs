using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Config;
using Vigil.Collection.Scrape;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Scrape;

/// <summary>The scrape manager against in-test HTTP targets and an in-memory storage; scrapes are forced, not timed.</summary>
public sealed class ScrapeManagerTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private MetricsEndpoint _endpoint = null!;
    private ScrapeManager _manager = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await MetricsEndpoint.StartAsync();
        _manager = new ScrapeManager(_storage, FileSdParser.ReadFile);
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private string Job(string extra = "", string path = "/metrics", string name = "app")
        => $"""
            scrape_configs:
              - job_name: {name}
                scrape_interval: 1h
                scrape_timeout: 5s
                metrics_path: {path}
                static_configs:
                  - targets: ['{_endpoint.Address}']
            {string.Join("\n", extra.Split('\n').Select(l => "    " + l))}
            """;

    private async Task StartAsync(string yaml)
    {
        await _manager.ApplyConfigAsync(VigilConfig.Parse(yaml).ScrapeConfigs);
    }

    private List<Sample> Samples(string metric, params string[] pairs)
    {
        var all = _storage.AllSeries().Where(l => l.Name == metric && Enumerable.Range(0, pairs.Length / 2).All(i => l.Get(pairs[2 * i]) == pairs[2 * i + 1])).ToList();
        Assert.True(all.Count == 1, $"expected one series {metric}, found: {string.Join(", ", all)}");
        return _storage.SamplesOf(all[0]);
    }

    private double Last(string metric, params string[] pairs) => Samples(metric, pairs)[^1].V;

    [Fact]
    public async Task Scrape_StoresSamplesWithTargetLabelsAndReportSeries()
    {
        _endpoint.Set("/metrics", "# TYPE requests_total counter\nrequests_total{code=\"200\"} 5\ntemperature 21.5\n");
        await StartAsync(Job());
        await _manager.ScrapeAllNowAsync();

        var series = _storage.AllSeries().First(l => l.Name == "requests_total");
        Assert.Equal(LabelSet.Of("__name__", "requests_total", "code", "200", "instance", _endpoint.Address, "job", "app"), series);
        Assert.Equal(5, Last("requests_total"));
        Assert.Equal(21.5, Last("temperature"));
        Assert.Equal(1, Last("up", "job", "app", "instance", _endpoint.Address));
        Assert.Equal(2, Last("scrape_samples_scraped"));
        Assert.Equal(2, Last("scrape_samples_post_metric_relabeling"));
        Assert.Equal(2, Last("scrape_series_added"));
        Assert.InRange(Last("scrape_duration_seconds"), 0, 5);
        var request = _endpoint.Requests.Last();
        Assert.Equal(ExpositionFormat.ScrapeAcceptHeader, request.Headers["Accept"]);
        Assert.Equal("5", request.Headers["X-Prometheus-Scrape-Timeout-Seconds"]);
        Assert.Contains("gzip", request.Headers["Accept-Encoding"], StringComparison.Ordinal);

        var target = Assert.Single(_manager.ActiveTargets());
        Assert.Equal(TargetHealth.Up, target.Health);
        Assert.Equal($"http://{_endpoint.Address}/metrics", target.Url);
        Assert.Equal("counter", Assert.Single(target.Metadata).TypeName);
    }

    [Fact]
    public async Task Scrape_SecondScrape_AddsNoSeriesAndMarksVanishedSeriesStale()
    {
        _endpoint.Set("/metrics", "a 1\nb 2\n");
        await StartAsync(Job());
        await _manager.ScrapeAllNowAsync();
        _endpoint.Set("/metrics", "a 3\n");
        await _manager.ScrapeAllNowAsync();

        var a = Samples("a");
        Assert.Equal([1.0, 3.0], a.Select(s => s.V));
        var b = Samples("b");
        Assert.Equal(2, b.Count);
        Assert.Equal(2, b[0].V);
        Assert.True(StaleMarker.IsStaleNaN(b[1].V), "b must end with a staleness marker");
        Assert.Equal(a[1].T, b[1].T);
        Assert.Equal([2.0, 0.0], Samples("scrape_series_added").Select(s => s.V));
    }

    [Fact]
    public async Task Scrape_HttpError_UpZeroAllSeriesStaleAndErrorReported()
    {
        _endpoint.Set("/metrics", "a 1\nb 2\n");
        await StartAsync(Job());
        await _manager.ScrapeAllNowAsync();
        _endpoint.Set("/metrics", new MetricsEndpoint.Response("oops", Status: 500));
        await _manager.ScrapeAllNowAsync();

        Assert.True(StaleMarker.IsStaleNaN(Last("a")));
        Assert.True(StaleMarker.IsStaleNaN(Last("b")));
        Assert.Equal([1.0, 0.0], Samples("up").Select(s => s.V));
        Assert.Equal(0, Last("scrape_samples_scraped"));
        var target = Assert.Single(_manager.ActiveTargets());
        Assert.Equal(TargetHealth.Down, target.Health);
        Assert.Equal("server returned HTTP status 500 Internal Server Error", target.LastError);

        // Recovery: values come back, no extra staleness markers.
        _endpoint.Set("/metrics", "a 5\n");
        await _manager.ScrapeAllNowAsync();
        Assert.Equal(5, Last("a"));
        Assert.Equal(1, Last("up"));
        Assert.Equal(TargetHealth.Up, target.Health);
        Assert.Equal(string.Empty, target.LastError);
    }

    [Fact]
    public async Task Scrape_MalformedPayload_StoresNothingAndNamesLineAndColumn()
    {
        _endpoint.Set("/metrics", "good 1\nbad{x=\"1\" 2\n");
        await StartAsync(Job());
        await _manager.ScrapeAllNowAsync();

        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name == "good");
        Assert.Equal(0, Last("up"));
        Assert.Equal(1, Last("scrape_samples_scraped"));
        var target = Assert.Single(_manager.ActiveTargets());
        Assert.StartsWith("line 2, column 11: ", target.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_ExposedLabelClashesWithTargetLabel_KeptAsExported()
    {
        _endpoint.Set("/metrics", "m{job=\"inner\",instance=\"x\",exported_instance=\"y\"} 1\n");
        await StartAsync(Job());
        await _manager.ScrapeAllNowAsync();
        var series = _storage.AllSeries().Single(l => l.Name == "m");
        Assert.Equal("app", series.Get("job"));
        Assert.Equal("inner", series.Get("exported_job"));
        Assert.Equal(_endpoint.Address, series.Get("instance"));
        Assert.Equal("y", series.Get("exported_instance"));
        Assert.Equal("x", series.Get("exported_exported_instance"));
    }

    [Fact]
    public async Task Scrape_HonorLabels_KeepsExposedValues()
    {
        _endpoint.Set("/metrics", "m{job=\"inner\"} 1\n");
        await StartAsync(Job("honor_labels: true"));
        await _manager.ScrapeAllNowAsync();
        var series = _storage.AllSeries().Single(l => l.Name == "m");
        Assert.Equal("inner", series.Get("job"));
        Assert.Equal(_endpoint.Address, series.Get("instance"));
        Assert.False(series.Has("exported_job"));
    }

    [Theory]
    [InlineData(true, 1_600_000_000_000L)]
    [InlineData(false, 0L)]
    public async Task Scrape_ExplicitTimestamps_HonoredOrReplaced(bool honor, long expected)
    {
        _endpoint.Set("/metrics", "m 1 1600000000000\n");
        await StartAsync(Job($"honor_timestamps: {(honor ? "true" : "false")}"));
        long before = Timestamp.Now();
        await _manager.ScrapeAllNowAsync();
        long t = Samples("m")[0].T;
        if (honor)
        {
            Assert.Equal(expected, t);
        }
        else
        {
            Assert.True(t >= before, $"timestamp {t} should be the scrape time");
        }
    }

    [Fact]
    public async Task Scrape_MetricRelabelConfigs_DropAndRewrite()
    {
        _endpoint.Set("/metrics", "keep_me{tmp=\"x\"} 1\ndrop_me 2\nalso_keep 3\n");
        await StartAsync(Job("""
            metric_relabel_configs:
              - { source_labels: [__name__], regex: 'drop_.*', action: drop }
              - { regex: tmp, action: labeldrop }
              - { source_labels: [__name__], regex: 'also_(.*)', target_label: __name__, replacement: 'renamed_$1' }
            """));
        await _manager.ScrapeAllNowAsync();
        Assert.Equal(LabelSet.Of("__name__", "keep_me", "instance", _endpoint.Address, "job", "app"), _storage.AllSeries().Single(l => l.Name == "keep_me"));
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name == "drop_me");
        Assert.Equal(3, Last("renamed_keep"));
        Assert.Equal(3, Last("scrape_samples_scraped"));
        Assert.Equal(2, Last("scrape_samples_post_metric_relabeling"));
    }

    [Fact]
    public async Task Scrape_SampleLimitExceeded_FailsWholeScrape()
    {
        _endpoint.Set("/metrics", "a 1\nb 2\nc 3\n");
        await StartAsync(Job("sample_limit: 2"));
        await _manager.ScrapeAllNowAsync();
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name is "a" or "b" or "c");
        Assert.Equal(0, Last("up"));
        Assert.Equal(3, Last("scrape_samples_scraped"));
        Assert.Equal("sample limit exceeded (3 samples after metric relabelling, sample_limit 2)", Assert.Single(_manager.ActiveTargets()).LastError);
    }

    [Fact]
    public async Task Scrape_LabelLimitExceeded_FailsWholeScrape()
    {
        _endpoint.Set("/metrics", "ok 1\nwide{a=\"1\",b=\"2\"} 1\n");
        await StartAsync(Job("label_limit: 4"));
        await _manager.ScrapeAllNowAsync();
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name == "ok");
        Assert.Equal("label_limit exceeded (metric: wide, number of labels: 5, limit: 4)", Assert.Single(_manager.ActiveTargets()).LastError);
    }

    [Fact]
    public async Task Scrape_BodySizeLimit_AppliesToUncompressedBody()
    {
        _endpoint.Set("/metrics", string.Concat(Enumerable.Range(0, 200).Select(i => $"metric_{i} {i}\n")));
        await StartAsync(Job("body_size_limit: 1KB"));
        await _manager.ScrapeAllNowAsync();
        Assert.Equal("body size limit exceeded (body_size_limit is 1024 bytes)", Assert.Single(_manager.ActiveTargets()).LastError);
        Assert.Contains("gzip", _endpoint.Requests.Last().Headers["Accept-Encoding"], StringComparison.Ordinal);
        Assert.Equal(0, Last("up"));
    }

    [Fact]
    public async Task Scrape_SlowTarget_TimesOutWithoutAffectingOtherJob()
    {
        _endpoint.Set("/slow", new MetricsEndpoint.Response("a 1\n", Delay: TimeSpan.FromSeconds(10)));
        _endpoint.Set("/fast", "b 1\n");
        string yaml = $$"""
            scrape_configs:
              - job_name: slow
                scrape_interval: 1h
                scrape_timeout: 300ms
                metrics_path: /slow
                static_configs: [{ targets: ['{{_endpoint.Address}}'] }]
              - job_name: fast
                scrape_interval: 1h
                metrics_path: /fast
                static_configs: [{ targets: ['{{_endpoint.Address}}'] }]
            """;
        await StartAsync(yaml);
        var started = DateTime.UtcNow;
        await _manager.ScrapeAllNowAsync();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8), "the timeout must end the slow scrape");
        var slow = Assert.Single(_manager.ActiveTargets("slow"));
        Assert.Equal(TargetHealth.Down, slow.Health);
        Assert.StartsWith($"Get \"http://{_endpoint.Address}/slow\": context deadline exceeded", slow.LastError, StringComparison.Ordinal);
        Assert.Equal(TargetHealth.Up, Assert.Single(_manager.ActiveTargets("fast")).Health);
        Assert.Equal(1, Last("b"));
    }

    [Fact]
    public async Task Scrape_UnreachableTarget_ConnectionRefused()
    {
        int port = Processes.FreePort();
        await StartAsync($"scrape_configs:\n  - job_name: gone\n    scrape_interval: 1h\n    static_configs: [{{ targets: ['127.0.0.1:{port}'] }}]\n");
        await _manager.ScrapeAllNowAsync();
        Assert.Equal($"Get \"http://127.0.0.1:{port}/metrics\": connection refused", Assert.Single(_manager.ActiveTargets()).LastError);
        Assert.Equal(0, Last("up", "job", "gone"));
    }

    [Fact]
    public async Task Scrape_AuthorizationAndParams_AreSent()
    {
        _endpoint.Set("/metrics", new MetricsEndpoint.Response("a 1\n", RequiredAuthorization: "Bearer s3cret"));
        await StartAsync(Job("authorization: { credentials: s3cret }\nparams: { module: [http_2xx], target: [x] }"));
        await _manager.ScrapeAllNowAsync();
        Assert.Equal(1, Last("a"));
        Assert.Equal("/metrics?module=http_2xx&target=x", _endpoint.Requests.Last().PathAndQuery);

        _endpoint.Set("/basic", new MetricsEndpoint.Response("b 1\n", RequiredAuthorization: "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p"))));
        await _manager.ApplyConfigAsync(VigilConfig.Parse(Job("basic_auth: { username: u, password: p }", "/basic", "basic")).ScrapeConfigs);
        await _manager.ScrapeAllNowAsync();
        Assert.Equal(1, Last("b"));
    }

    [Fact]
    public async Task Relabel_DroppedTarget_ListedWithDiscoveredLabels()
    {
        _endpoint.Set("/metrics", "a 1\n");
        string yaml = $$"""
            scrape_configs:
              - job_name: app
                scrape_interval: 1h
                static_configs:
                  - targets: ['{{_endpoint.Address}}', 'drop.example:9']
                    labels: { env: prod }
                relabel_configs:
                  - { source_labels: [__address__], regex: 'drop\..*', action: drop }
                  - { source_labels: [env], target_label: environment }
            """;
        await StartAsync(yaml);
        var active = Assert.Single(_manager.ActiveTargets());
        Assert.Equal("prod", active.PublicLabels.Get("environment"));
        Assert.Equal("prod", active.DiscoveredLabels.Get("env"));
        Assert.Equal("1h", active.DiscoveredLabels.Get("__scrape_interval__"));
        var (job, dropped) = Assert.Single(_manager.DroppedTargets());
        Assert.Equal("app", job);
        Assert.Equal("drop.example:9", dropped.Get("__address__"));
    }

    [Fact]
    public async Task FileSd_TargetsAppearAndDisappear_RemovedTargetGoesStale()
    {
        string dir = Directory.CreateTempSubdirectory("vigil-filesd-").FullName;
        try
        {
            _endpoint.Set("/metrics", "a 1\n");
            _endpoint.Set("/other", "b 1\n");
            string file = Path.Combine(dir, "targets.json");
            File.WriteAllText(file, "[{\"targets\": [\"" + _endpoint.Address + "\"], \"labels\": {\"team\": \"x\"}}]");
            string yaml = $$"""
                scrape_configs:
                  - job_name: sd
                    scrape_interval: 1h
                    file_sd_configs: [{ files: ['{{dir}}/*.json'] }]
                """;
            await StartAsync(yaml);
            var target = Assert.Single(_manager.ActiveTargets());
            Assert.Equal("x", target.PublicLabels.Get("team"));
            Assert.Equal(file, target.DiscoveredLabels.Get("__meta_filepath"));
            Assert.False(target.PublicLabels.Has("__meta_filepath"));
            await _manager.ScrapeAllNowAsync();
            Assert.Equal(1, Last("a"));

            // The file changes: the target's label changes, so it is a new target and the old one's series go stale.
            File.WriteAllText(file, "[{\"targets\": [\"" + _endpoint.Address + "\"], \"labels\": {\"team\": \"y\"}}]");
            await _manager.RefreshDiscoveryAsync();
            Assert.Equal("y", Assert.Single(_manager.ActiveTargets()).PublicLabels.Get("team"));
            Assert.True(StaleMarker.IsStaleNaN(Last("a", "team", "x")));
            Assert.True(StaleMarker.IsStaleNaN(Last("up", "team", "x")));

            // A broken file keeps the previous targets.
            File.WriteAllText(file, "[{\"targets\": [");
            await _manager.RefreshDiscoveryAsync();
            Assert.Equal("y", Assert.Single(_manager.ActiveTargets()).PublicLabels.Get("team"));

            File.Delete(file);
            await _manager.RefreshDiscoveryAsync();
            Assert.Empty(_manager.ActiveTargets());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task FileSd_FileWatcher_PicksUpNewFileWithoutRefresh()
    {
        string dir = Directory.CreateTempSubdirectory("vigil-filesd-").FullName;
        try
        {
            await StartAsync($"scrape_configs:\n  - job_name: sd\n    scrape_interval: 1h\n    file_sd_configs: [{{ files: ['{dir}/*.yml'] }}]\n");
            Assert.Empty(_manager.ActiveTargets());
            File.WriteAllText(Path.Combine(dir, "t.yml"), $"- targets: ['{_endpoint.Address}']\n");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (_manager.ActiveTargets().Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.Single(_manager.ActiveTargets());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ApplyConfig_UnchangedJobKeepsItsTargetRemovedJobGoesStale()
    {
        _endpoint.Set("/metrics", "a 1\n");
        _endpoint.Set("/other", "b 1\n");
        string both = Job() + "\n" + Job(path: "/other", name: "other")[("scrape_configs:\n".Length)..];
        await StartAsync(both);
        await _manager.ScrapeAllNowAsync();
        var kept = Assert.Single(_manager.ActiveTargets("app"));

        await StartAsync(Job());
        Assert.Same(kept, Assert.Single(_manager.ActiveTargets("app")));
        Assert.Equal(["app"], _manager.Jobs);
        Assert.True(StaleMarker.IsStaleNaN(Last("b")));
        Assert.True(StaleMarker.IsStaleNaN(Last("up", "job", "other")));
        Assert.Equal(1, Last("a"));
    }

    [Fact]
    public void FirstTick_IsStableAndWithinOneInterval()
    {
        long interval = 15_000;
        long now = 1_700_000_003_000;
        long tick = ScrapeLoop.FirstTick(now, interval, 12_345);
        Assert.InRange(tick, now, now + interval - 1);
        Assert.Equal(12_345 % interval, tick % interval);
        Assert.Equal(tick, ScrapeLoop.FirstTick(now, interval, 12_345));
        Assert.Equal(tick + interval, ScrapeLoop.FirstTick(tick + 1, interval, 12_345));
    }
}
