using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary><c>vigil serve --config vigil.yaml</c> as a child process: storage, collectors and scrape_configs from the file.</summary>
public sealed class ServeWithConfigTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-serve-config-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Serve_WithConfig_ScrapesJobsStoresInConfiguredDirAndHonoursCollectorToggles()
    {
        await using var endpoint = await MetricsEndpoint.StartAsync();
        endpoint.Set("/metrics", "# TYPE orders_total counter\norders_total 42\n");
        string configDir = Directory.CreateDirectory(Path.Combine(_work, "etc")).FullName;
        File.WriteAllText(Path.Combine(configDir, "vigil.yaml"), $$"""
            global:
              scrape_interval: 1s
            storage:
              data_dir: ../var/vigil
              retention_time: 2d
            collectors:
              interval: 1s
              host: { enabled: false }
            scrape_configs:
              - job_name: shop
                static_configs: [{ targets: ['{{endpoint.Address}}'] }]
            """);
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--config", "etc/vigil.yaml", "--listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        int found = await Poll.ForAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/series?match[]=orders_total{job=\"shop\"}"));
            return doc.RootElement.GetProperty("data").GetArrayLength();
        }, n => n != 0, _ => "no orders_total series; stderr:\n" + vigil.Stderr, TimeSpan.FromSeconds(30));
        Assert.True(found == 1, "orders_total from the scrape job should be stored; stderr:\n" + vigil.Stderr);
        using (var host = JsonDocument.Parse(await http.GetStringAsync("api/v1/series?match[]=node_cpu_seconds_total")))
        {
            Assert.Equal(0, host.RootElement.GetProperty("data").GetArrayLength());
        }
        Assert.True(File.Exists(Path.Combine(_work, "var", "vigil", "lock")), "data_dir is resolved against the configuration file's directory");
        Assert.Contains("1 scrape jobs", vigil.Stderr, StringComparison.Ordinal);

        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
