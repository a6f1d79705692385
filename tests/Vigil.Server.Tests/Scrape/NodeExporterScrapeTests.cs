using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests.Scrape;

/// <summary>
/// The real target test: Debian's prometheus-node-exporter as a child process, scraped by an in-process Vigil server on
/// the embedded TSDB from a vigil.yaml, next to a second target that serves a malformed payload.
/// </summary>
public sealed class NodeExporterScrapeTests
{
    private sealed record StoredSeries(LabelSet Labels, List<Sample> Samples);

    private static List<StoredSeries> Select(IStorage storage, params LabelMatcher[] matchers)
    {
        var result = new List<StoredSeries>();
        using var q = storage.Querier(Timestamp.Min, Timestamp.Max);
        var set = q.Select(true, null, matchers);
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            it = set.Current.Iterator(it);
            var samples = new List<Sample>();
            while (it.Next())
            {
                samples.Add(new Sample(it.T, it.V));
            }
            result.Add(new StoredSeries(set.Current.Labels, samples));
        }
        Assert.Null(set.Error);
        return result;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(path));
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    private static JsonElement TargetOf(JsonElement targets, string job)
        => targets.GetProperty("activeTargets").EnumerateArray().Single(t => t.GetProperty("scrapePool").GetString() == job);

    [Fact]
    public async Task NodeExporter_MetricsLandInTsdb_StoppingItSetsUpZeroAndMarksSeriesStale()
    {
        string exe = Processes.FindExecutable("prometheus-node-exporter", "node_exporter")
            ?? throw new InvalidOperationException("prometheus-node-exporter is not installed; ./test.sh installs it (apt-get install prometheus-node-exporter)");
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var output = new StringBuilder();
        using var exporter = Process.Start(psi)!;
        exporter.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        exporter.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        exporter.BeginOutputReadLine();
        exporter.BeginErrorReadLine();
        string dataDir = Directory.CreateTempSubdirectory("vigil-scrape-ne-").FullName;
        await using var broken = await MetricsEndpoint.StartAsync();
        broken.Set("/metrics", "fine_metric 1\nbroken_metric{code=\"200\" 7\n");
        try
        {
            using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string exporterUrl = $"http://127.0.0.1:{port}/metrics";
            await Processes.WaitForHttpAsync(direct, exporterUrl, exporter, () => { lock (output) { return output.ToString(); } }, TimeSpan.FromSeconds(15));

            var config = VigilConfig.Parse($$"""
                global:
                  scrape_interval: 2s
                scrape_configs:
                  - job_name: node
                    static_configs:
                      - targets: ['127.0.0.1:{{port}}']
                        labels: { role: host }
                  - job_name: broken
                    static_configs:
                      - targets: ['{{broken.Address}}']
                """);
            using var storage = TsdbStorage.Open(new TsdbOptions { DataDir = dataDir, DisableBackgroundMaintenance = true });
            await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
            {
                Listen = TestVigil.Loopback,
                CollectHost = false,
                CollectSelf = false,
                CollectionInterval = TimeSpan.FromHours(1),
                ScrapeConfigs = config.ScrapeConfigs,
            }, storage);
            var server = vigil.Server;
            var http = vigil.Http;

            // The loops scrape on their own schedule: within one interval at each target's phase.
            var targets = await Poll.ForAsync(() => GetJsonAsync(http, "/api/v1/targets"),
                r => r.GetProperty("activeTargets").EnumerateArray().All(t => t.GetProperty("health").GetString() != "unknown"),
                r => r.ToString(), TimeSpan.FromSeconds(30));
            var node = TargetOf(targets, "node");
            Assert.Equal("up", node.GetProperty("health").GetString());
            Assert.Equal("", node.GetProperty("lastError").GetString());
            Assert.Equal(exporterUrl, node.GetProperty("scrapeUrl").GetString());
            Assert.Equal("2s", node.GetProperty("scrapeInterval").GetString());
            Assert.Equal("host", node.GetProperty("labels").GetProperty("role").GetString());
            Assert.Equal($"127.0.0.1:{port}", node.GetProperty("discoveredLabels").GetProperty("__address__").GetString());
            var bad = TargetOf(targets, "broken");
            Assert.Equal("down", bad.GetProperty("health").GetString());
            Assert.StartsWith("line 2, column 26: ", bad.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.Empty(Select(storage, LabelMatcher.MetricName("fine_metric")));

            // Values and series set agree with what node_exporter itself serves.
            await server.ScrapeManager.ScrapeAllNowAsync();
            var direct1 = TextFormat.Parse(await direct.GetStringAsync(exporterUrl));
            var memTotal = Assert.Single(Select(storage, LabelMatcher.MetricName("node_memory_MemTotal_bytes")));
            Assert.Equal("node", memTotal.Labels.Get("job"));
            Assert.Equal($"127.0.0.1:{port}", memTotal.Labels.Get("instance"));
            Assert.Equal("host", memTotal.Labels.Get("role"));
            Assert.Equal(direct1.Single(s => s.Name == "node_memory_MemTotal_bytes").Value, memTotal.Samples[^1].V);
            var cpu = Select(storage, LabelMatcher.MetricName("node_cpu_seconds_total"), LabelMatcher.Equal("job", "node"));
            Assert.Equal(direct1.Count(s => s.Name == "node_cpu_seconds_total"), cpu.Count);
            Assert.All(cpu, s => Assert.True(s.Samples[^1].V >= s.Samples[0].V, $"{s.Labels} should be a counter that never decreases"));
            Assert.Contains(cpu, s => s.Labels.Get("mode") == "idle" && s.Samples[^1].V > 0);
            var up = Assert.Single(Select(storage, LabelMatcher.MetricName("up"), LabelMatcher.Equal("job", "node")));
            Assert.All(up.Samples, s => Assert.Equal(1, s.V));
            Assert.Equal(0, Select(storage, LabelMatcher.MetricName("up"), LabelMatcher.Equal("job", "broken")).Single().Samples[^1].V);
            double scraped = Select(storage, LabelMatcher.MetricName("scrape_samples_scraped"), LabelMatcher.Equal("job", "node")).Single().Samples[^1].V;
            Assert.InRange(scraped, direct1.Count * 0.9, direct1.Count * 1.1);

            // Types: what the exporter's TYPE lines declared.
            var metadata = await GetJsonAsync(http, "/api/v1/metadata");
            Assert.Equal("counter", metadata.GetProperty("node_cpu_seconds_total")[0].GetProperty("type").GetString());
            Assert.Equal("gauge", metadata.GetProperty("node_memory_MemTotal_bytes")[0].GetProperty("type").GetString());
            Assert.Equal("summary", metadata.GetProperty("go_gc_duration_seconds")[0].GetProperty("type").GetString());
            Assert.StartsWith("Seconds the CPUs spent", metadata.GetProperty("node_cpu_seconds_total")[0].GetProperty("help").GetString(), StringComparison.Ordinal);
            var quantiles = Select(storage, LabelMatcher.MetricName("go_gc_duration_seconds"), LabelMatcher.Equal("job", "node"));
            Assert.Contains(quantiles, s => s.Labels.Get("quantile") == "0.5");

            // Stop the exporter: the next scrape fails, up becomes 0 and every series of the target gets a staleness marker.
            exporter.Kill();
            await exporter.WaitForExitAsync();
            await server.ScrapeManager.ScrapeAllNowAsync();
            var upAfter = Assert.Single(Select(storage, LabelMatcher.MetricName("up"), LabelMatcher.Equal("job", "node")));
            Assert.Equal(0, upAfter.Samples[^1].V);
            // Note: the target's own 2 s loop may fail again before we look; the markers belong to the first failed scrape.
            long failedAt = upAfter.Samples.First(s => s.V == 0).T;
            var all = Select(storage, LabelMatcher.Equal("job", "node"), new LabelMatcher(MatchOp.NotRegexp, "__name__", "up|scrape_.*"));
            Assert.True(all.Count > 100, $"expected node_exporter's series, found {all.Count}");
            Assert.All(all, s =>
            {
                Assert.True(StaleMarker.IsStaleNaN(s.Samples[^1].V), $"{s.Labels} should end with a staleness marker");
                Assert.Equal(failedAt, s.Samples[^1].T);
            });
            var after = TargetOf(await GetJsonAsync(http, "/api/v1/targets"), "node");
            Assert.Equal("down", after.GetProperty("health").GetString());
            Assert.Equal($"Get \"{exporterUrl}\": connection refused", after.GetProperty("lastError").GetString());
        }
        finally
        {
            if (!exporter.HasExited)
            {
                exporter.Kill();
                await exporter.WaitForExitAsync();
            }
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
