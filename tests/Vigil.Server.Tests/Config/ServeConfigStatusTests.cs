using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary><c>/api/v1/status/config</c> of <c>vigil serve</c>: the loaded file with its secrets hidden.</summary>
public sealed class ServeConfigStatusTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-status-config-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task StatusConfig_ServeWithConfig_ShowsTheFileWithoutItsPassword()
    {
        File.WriteAllText(Path.Combine(_work, "vigil.yaml"), """
            collectors:
              host: { enabled: false }
            scrape_configs:
              - job_name: guarded
                basic_auth: { username: scraper, password: hunter2 }
                static_configs: [{ targets: ['127.0.0.1:9'] }]
            """);
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--config", "vigil.yaml", "--listen", $"127.0.0.1:{port}", "--data-dir", "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        using var r = await http.GetAsync("api/v1/status/config");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        string yaml = doc.RootElement.GetProperty("data").GetProperty("yaml").GetString()!;
        Assert.Contains("job_name: guarded", yaml, StringComparison.Ordinal);
        Assert.Contains("username: scraper", yaml, StringComparison.Ordinal);
        Assert.Contains("password: <secret>", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", yaml, StringComparison.Ordinal);

        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task StatusConfig_WithoutConfigFile_SaysSo()
    {
        var storage = new MemoryStorage();
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, storage);
        var http = vigil.Http;

        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/status/config"));

        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("# vigil serve was started without a configuration file", doc.RootElement.GetProperty("data").GetProperty("yaml").GetString(), StringComparison.Ordinal);
    }
}
