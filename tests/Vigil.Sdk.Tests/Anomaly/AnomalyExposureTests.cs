using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Vigil.Sdk.Anomaly;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;
using static Vigil.Sdk.Tests.Anomaly.ToolAnomalyDetectorTests;

namespace Vigil.Sdk.Tests.Anomaly;

/// <summary>Per-tool anomaly results as metrics (<c>/metrics</c> and the detector's meter) and as JSON next to the summaries.</summary>
public sealed class AnomalyExposureTests : IAsyncLifetime
{
    private readonly ToolProfiler _profiler = new(new ToolProfilerOptions { MeterName = "Test.Anomaly.Profiler." + Guid.NewGuid().ToString("N") });
    private readonly ToolAnomalyDetector _detector = new(new ToolAnomalyDetectorOptions { MeterName = "Test.Anomaly." + Guid.NewGuid().ToString("N") });
    private VigilHttpListener _listener = null!;
    private HttpClient _http = null!;
    private IDisposable _watch = null!;

    public Task InitializeAsync()
    {
        _detector.TrainBaseline("search", History());
        _watch = _detector.Watch(_profiler);
        var endpoint = new VigilEndpoint(new VigilMetrics(_profiler));
        endpoint.ServeAnomalies(_detector);
        _listener = VigilHttpListener.Start(endpoint, port: 0, IPAddress.Loopback);
        _http = new HttpClient { BaseAddress = _listener.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _watch.Dispose();
        _http.Dispose();
        await _listener.DisposeAsync();
        await _detector.DisposeAsync();
        _profiler.Dispose();
    }

    private static ToolRun Now(ToolRun run) => run with { TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };

    [Fact]
    public async Task Metrics_ScoreThresholdChecksAndAnomaliesBySeverity()
    {
        _profiler.Record(Now(Run(0.1, 0.09)));
        _profiler.Record(Now(Run(0.5, 0.45, allocated: 50_000_000)));
        var expected = _detector.Detect(Run(0.5, 0.45, allocated: 50_000_000));

        var m = Scrape.Parse(await _http.GetByteArrayAsync(new Uri("metrics", UriKind.Relative)));

        Assert.Equal(expected.Score, m["vigil_tool_anomaly_score{tool=\"search\"}"], precision: 12);
        Assert.Equal(_detector.GetBaseline("search")!.ScoreThreshold, m["vigil_tool_anomaly_threshold{tool=\"search\"}"], precision: 12);
        Assert.Equal(2, m["vigil_tool_anomaly_checks_total{tool=\"search\"}"]);
        Assert.Equal(1, m["vigil_tool_anomalies_total{severity=\"critical\",tool=\"search\"}"]);
        Assert.Equal(0, m["vigil_tool_anomalies_total{severity=\"warning\",tool=\"search\"}"]);
        // The profiler's own series are on the same page.
        Assert.Equal(2, m["vigil_tool_runs_total{outcome=\"success\",tool=\"search\"}"]);
    }

    [Fact]
    public void Meter_AnomaliesCounterBySeverity_ForOpenTelemetry()
    {
        var seen = new List<(string Name, long Value, string Severity)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter == _detector.Meter)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            string severity = string.Empty;
            foreach (var t in tags)
            {
                severity = t.Key == "severity" ? (string)t.Value! : severity;
            }
            seen.Add((i.Name, v, severity));
        });
        listener.Start();

        _profiler.Record(Now(Run(0.1, 0.09)));
        _profiler.Record(Now(Run(0.5, 0.45, allocated: 50_000_000)));

        Assert.Equal([("vigil.tool.anomalies", 1L, "critical")], seen);
    }

    [Fact]
    public async Task Baseline_Json_FeaturesThresholdsAndLatestVerdict()
    {
        _profiler.Record(Now(Run(0.5, 0.45, allocated: 50_000_000)));

        using var response = await _http.GetAsync(new Uri("vigil/tools/search/baseline", UriKind.Relative));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        var baseline = _detector.GetBaseline("search")!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("search", root.GetProperty("tool_name").GetString());
        Assert.Equal(200, root.GetProperty("training_runs").GetInt32());
        Assert.Equal(baseline.ScoreThreshold, root.GetProperty("score_threshold").GetDouble(), precision: 12);
        var features = root.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(["duration", "cpu_time", "allocated_bytes", "errors", "cache_hits", "cache_misses"], features.Select(f => f.GetProperty("feature").GetString()));
        Assert.Equal(baseline[ToolFeature.Duration].Critical, features[0].GetProperty("critical_threshold").GetDouble(), precision: 12);
        var latest = root.GetProperty("latest");
        Assert.Equal(1, latest.GetProperty("checked_runs").GetInt64());
        Assert.True(latest.GetProperty("is_anomaly").GetBoolean());
        Assert.Equal("critical", latest.GetProperty("severity").GetString());
        Assert.Equal(1, latest.GetProperty("anomalies").GetProperty("critical").GetInt64());
    }

    [Fact]
    public async Task Anomalies_Json_NewestFirstWithDeviationsAndRecommendations()
    {
        _profiler.Record(Now(Run(0.1, 0.09)));
        _profiler.Record(Now(Run(0.5, 0.45, allocated: 50_000_000)));
        _profiler.Record(Now(Run(0.1, 0.09, outcome: ToolOutcome.Failure)));

        string json = await _http.GetStringAsync(new Uri("vigil/anomalies?window=10m", UriKind.Relative));
        using var doc = JsonDocument.Parse(json);
        var anomalies = doc.RootElement.GetProperty("anomalies").EnumerateArray().ToList();

        Assert.Equal(600, doc.RootElement.GetProperty("window_seconds").GetDouble());
        Assert.Equal(2, anomalies.Count);
        Assert.Contains(anomalies[0].GetProperty("deviations").EnumerateArray(), d => d.GetProperty("feature").GetString() == "errors");
        var slow = anomalies[1];
        Assert.Equal("search", slow.GetProperty("tool_name").GetString());
        var allocated = slow.GetProperty("deviations").EnumerateArray().Single(d => d.GetProperty("feature").GetString() == "allocated_bytes");
        Assert.Equal(("increase", "critical"), (allocated.GetProperty("direction").GetString(), allocated.GetProperty("severity").GetString()));
        Assert.Contains(slow.GetProperty("recommendations").EnumerateArray(), r => r.GetString()!.Contains("computing more", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Baseline_UnknownToolOrNoDetector_404WithReason()
    {
        using var unknown = await _http.GetAsync(new Uri("vigil/tools/fetch/baseline", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no baseline for tool \\u0022fetch\\u0022", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var bare = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics(_profiler)), port: 0, IPAddress.Loopback);
        using var http = new HttpClient { BaseAddress = bare.BaseAddress };
        using var none = await http.GetAsync(new Uri("vigil/anomalies", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("no anomaly detector", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var badWindow = await _http.GetAsync(new Uri("vigil/anomalies?window=soon", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);
    }
}
