using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary><c>vigil agent</c> as users run it: scraping, collecting and taking pushes, forwarding everything to Debian's VictoriaMetrics.</summary>
public sealed class AgentProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-agent-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<List<JsonElement>> ExportAsync(HttpClient http, Uri vm, string match)
    {
        using (await http.GetAsync(new Uri(vm, "internal/force_flush")))
        {
        }
        string body = await http.GetStringAsync(new Uri(vm, "api/v1/export?match[]=" + Uri.EscapeDataString(match)));
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task Agent_ScrapesCollectsAndTakesPushes_SendsAllWithExternalLabelsAndServesNoQueries()
    {
        await using var vm = await VictoriaMetricsProcess.StartAsync();
        await using var target = await TestWebServer.StartAsync(ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            return ctx.Response.WriteAsync("# TYPE agent_target_up gauge\nagent_target_up 1\n");
        });
        await File.WriteAllTextAsync(Path.Combine(_work, "agent.yaml"), $$"""
            global:
              scrape_interval: 1s
              external_labels: { host: agent-a }
            scrape_configs:
              - job_name: static
                static_configs: [ { targets: ['{{target.BaseAddress.Authority}}'] } ]
            remote_write:
              - url: {{vm.WriteUrl}}
                queue_config: { batch_send_deadline: 200ms, max_backoff: 1s }
            """);
        int port = Processes.FreePort();
        using var agent = VigilProcess.Start(_work, "agent", "--config", "agent.yaml", "--data-dir", "data", "--listen", $"127.0.0.1:{port}", "--interval", "1s", "--collectors", "self");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Processes.WaitForHttpAsync(http, "-/ready", agent.Process, () => agent.Stderr, TimeSpan.FromSeconds(60));

        using (var push = await http.PostAsync("api/v1/import/prometheus", new StringContent("agent_pushed{kind=\"sdk\"} 42\n")))
        {
            Assert.Equal(HttpStatusCode.NoContent, push.StatusCode);
        }
        List<JsonElement> scraped = [], pushed = [], self = [];
        await Poll.UntilAsync(async () =>
        {
            scraped = await ExportAsync(http, vm.BaseAddress, "agent_target_up");
            pushed = await ExportAsync(http, vm.BaseAddress, "agent_pushed");
            self = await ExportAsync(http, vm.BaseAddress, "{job=\"vigil\"}");
            return scraped.Count == 1 && pushed.Count == 1 && self.Count > 0;
        }, () => $"scraped {scraped.Count}, pushed {pushed.Count}, self {self.Count}\n{agent.Stderr}\n{vm.Output}", TimeSpan.FromSeconds(60));

        // External labels on everything sent: scraped, pushed and collected series.
        Assert.Equal("agent-a", scraped[0].GetProperty("metric").GetProperty("host").GetString());
        Assert.Equal("static", scraped[0].GetProperty("metric").GetProperty("job").GetString());
        Assert.Equal("agent-a", pushed[0].GetProperty("metric").GetProperty("host").GetString());
        Assert.Equal(42, pushed[0].GetProperty("values")[0].GetDouble());
        Assert.All(self, s => Assert.Equal("agent-a", s.GetProperty("metric").GetProperty("host").GetString()));

        // No local query, rules or dashboard; its own metrics and the push endpoints are there.
        using (var query = await http.GetAsync("api/v1/query?query=up"))
        {
            Assert.Equal(HttpStatusCode.NotFound, query.StatusCode);
        }
        using (var rules = await http.GetAsync("api/v1/rules"))
        {
            Assert.Equal(HttpStatusCode.NotFound, rules.StatusCode);
        }
        string metrics = await http.GetStringAsync("metrics");
        Assert.Contains("vigil_remote_storage_samples_total{", metrics, StringComparison.Ordinal);
        // Only a write-ahead log on disk: no blocks.
        Assert.Equal(["lock", "remote", "wal"], Directory.EnumerateFileSystemEntries(Path.Combine(_work, "data")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        Signals.Send(agent.Process.Id, Signals.SigTerm);
        int code = await agent.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}; stderr:\n{agent.Stderr}");
        Assert.True(Directory.EnumerateFiles(Path.Combine(_work, "data", "remote"), "position.json", SearchOption.AllDirectories).Any(),
            "the remote's WAL position is saved at stop");
    }
}
