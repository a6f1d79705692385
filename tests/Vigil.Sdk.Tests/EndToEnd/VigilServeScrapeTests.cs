using System.Globalization;
using System.Text.Json;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Sdk.Tests.EndToEnd;

/// <summary>
/// The sample app (a child process using the SDK) is scraped by <c>vigil serve</c> (a child process too); its tool's
/// p95 latency and error rate are then computed by Vigil's PromQL engine from what Vigil stored.
/// </summary>
public sealed class VigilServeScrapeTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-sdk-serve-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task SampleApp_ScrapedByVigilServe_P95AndErrorRateFromPromQL()
    {
        int appPort = ChildProcess.FreePort();
        using var app = ChildProcess.StartDotnet("Vigil.Sdk.SampleApp.dll", "serve", appPort.ToString(CultureInfo.InvariantCulture));
        await app.WaitForLineAsync("listening", TimeSpan.FromSeconds(30));

        string dataDir = Path.Combine(_work, "data");
        File.WriteAllText(Path.Combine(_work, "vigil.yaml"), $$"""
            global:
              scrape_interval: 1s
            storage:
              data_dir: {{dataDir}}
            collectors:
              host: { enabled: false }
            scrape_configs:
              - job_name: sample
                static_configs: [{ targets: ['127.0.0.1:{{appPort}}'] }]
            """);
        int port = ChildProcess.FreePort();
        using var vigil = ChildProcess.StartDotnet("vigil.dll", "serve", "--config", Path.Combine(_work, "vigil.yaml"), "--listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        // Wait for the first scraped series, then let 15 more scrapes land.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(vigil.Process.HasExited, "vigil serve exited:\n" + vigil.Output);
            Assert.True(DateTime.UtcNow < deadline, "no vigil_tool_runs_total series from the scrape; vigil output:\n" + vigil.Output);
            try
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/v1/series?match[]=vigil_tool_runs_total{job=\"sample\"}", UriKind.Relative)));
                if (doc.RootElement.GetProperty("data").GetArrayLength() > 0)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        await Task.Delay(TimeSpan.FromSeconds(15));
        long evalTime = Timestamp.Now();
        Assert.Equal(0, await vigil.TerminateAsync(TimeSpan.FromSeconds(30)));

        using var storage = TsdbStorage.Open(new TsdbOptions { DataDir = dataDir, ReadOnly = true, DisableBackgroundMaintenance = true });
        var engine = new PromQLEngine();
        double errorRate = Single(engine.InstantQuery(storage,
            "sum(rate(vigil_tool_runs_total{job=\"sample\",tool=\"search\",outcome=\"failure\"}[10s])) / sum(rate(vigil_tool_runs_total{job=\"sample\",tool=\"search\"}[10s]))", evalTime));
        double p95 = Single(engine.InstantQuery(storage,
            "histogram_quantile(0.95, sum by (le) (rate(vigil_tool_duration_seconds_bucket{job=\"sample\",tool=\"search\"}[10s])))", evalTime));
        // Every 10th run fails; 90% of runs take ~5 ms and 10% ~300 ms (more on a loaded machine), so the 95th percentile
        // lies among the slow runs, above the 0.25 bound.
        Assert.InRange(errorRate, 0.08, 0.12);
        Assert.InRange(p95, 0.25, 1.0);
        Assert.Equal(1, Single(engine.InstantQuery(storage, "up{job=\"sample\"}", evalTime)));
    }

    [Fact]
    public async Task Pusher_ToVigilServe_SeriesStoredWithJobLabel()
    {
        int port = ChildProcess.FreePort();
        using var vigil = ChildProcess.StartDotnet("vigil.dll", "serve", "--data-dir", Path.Combine(_work, "data"), "--listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(vigil.Process.HasExited, "vigil serve exited:\n" + vigil.Output);
            Assert.True(DateTime.UtcNow < deadline, "vigil serve did not become ready:\n" + vigil.Output);
            try
            {
                using var ready = await http.GetAsync(new Uri("-/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }

        using var profiler = new Vigil.Sdk.Profiling.ToolProfiler();
        profiler.Run("pushed-tool", run => run.CacheMiss(2));
        await using var pusher = new Vigil.Sdk.Exposition.VigilMetricsPusher(new Vigil.Sdk.Exposition.VigilMetrics(profiler), http.BaseAddress,
            labels: new Dictionary<string, string> { ["job"] = "pushed-app" });
        Assert.True(await pusher.PushAsync(), pusher.LastError);

        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/v1/series?match[]=vigil_tool_cache_misses_total{job=\"pushed-app\"}", UriKind.Relative)));
        var series = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("pushed-tool", series.GetProperty("tool").GetString());
        Assert.Equal(Environment.MachineName, series.GetProperty("instance").GetString());
        Assert.Equal(0, await vigil.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static double Single(QueryResult result)
    {
        var vector = Assert.IsType<VectorValue>(result.Value);
        return Assert.Single(vector.Samples).V;
    }
}
