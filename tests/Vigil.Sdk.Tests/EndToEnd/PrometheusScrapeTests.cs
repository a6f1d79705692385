using System.Globalization;
using System.Text.Json;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.EndToEnd;

/// <summary>
/// The sample app (a real child process using the SDK) is scraped by a real Prometheus server (Debian's package, on a
/// free loopback port); its tool's p95 latency and error rate come back from PromQL as the app produced them.
/// </summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task SampleApp_ScrapedByPrometheus_P95AndErrorRateQueryable()
    {
        string prometheus = ChildProcess.FindExecutable("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed; ./test.sh installs it (apt-get install prometheus)");
        int appPort = ChildProcess.FreePort();
        using var app = ChildProcess.StartDotnet("Vigil.Sdk.SampleApp.dll", "serve", appPort.ToString(CultureInfo.InvariantCulture));
        await app.WaitForLineAsync("listening", TimeSpan.FromSeconds(30));

        string dir = Path.Combine(Path.GetTempPath(), "vigil-sdk-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string config = Path.Combine(dir, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: sample
                    static_configs:
                      - targets: ['127.0.0.1:{appPort}']
                """);
            int promPort = ChildProcess.FreePort();
            using var prom = ChildProcess.Start(prometheus, $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
                $"--web.listen-address=127.0.0.1:{promPort}");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}/"), Timeout = TimeSpan.FromSeconds(10) };

            // Wait until Prometheus has a few scrapes of the app with traffic in them.
            const string errorRate = "sum(rate(vigil_tool_runs_total{job=\"sample\",tool=\"search\",outcome=\"failure\"}[20s])) / sum(rate(vigil_tool_runs_total{job=\"sample\",tool=\"search\"}[20s]))";
            const string p95 = "histogram_quantile(0.95, sum by (le) (rate(vigil_tool_duration_seconds_bucket{job=\"sample\",tool=\"search\"}[20s])))";
            var deadline = DateTime.UtcNow.AddSeconds(60);
            double? rate = null;
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                if (prom.Process.HasExited)
                {
                    Assert.Fail($"prometheus exited with {prom.Process.ExitCode}:\n{prom.Output}");
                }
                rate = await QueryScalarAsync(http, errorRate);
                double? scrapes = await QueryScalarAsync(http, "count_over_time(up{job=\"sample\"}[1m])");
                if (rate is not null && scrapes >= 8)
                {
                    break;
                }
            }
            Assert.True(rate is not null, $"no error rate from Prometheus; prometheus output:\n{prom.Output}\napp output:\n{app.Output}");
            Assert.Equal(1, await QueryScalarAsync(http, "up{job=\"sample\"}"));
            // Every 10th run fails.
            Assert.InRange(rate!.Value, 0.08, 0.12);
            // 90% of runs take ~5 ms and 10% ~300 ms: the 95th percentile lies in the (0.25, 0.5] bucket.
            Assert.InRange((await QueryScalarAsync(http, p95))!.Value, 0.25, 0.5);
            Assert.True(await QueryScalarAsync(http, "sum(vigil_tool_cpu_time_seconds_count{job=\"sample\"})") > 0);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<double?> QueryScalarAsync(HttpClient http, string promql)
    {
        try
        {
            string json = await http.GetStringAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative));
            using var doc = JsonDocument.Parse(json);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 0)
            {
                return null;
            }
            string text = result[0].GetProperty("value")[1].GetString()!;
            double v = double.Parse(text, CultureInfo.InvariantCulture);
            return double.IsNaN(v) ? null : v;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
