using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Vigil.Core.Config;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests.Config;

public sealed class CollectorsConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-collectors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_AllFourCollectors_BindsTheirOptions()
    {
        var config = VigilConfig.Parse("""
            collectors:
              interval: 2s
              dotnet: [{ process_name: myapp, meters: [MyApp.Orders], refresh_interval: 10s }]
              postgres: [{ connection_string: "Host=127.0.0.1;Port=5432;Username=monitor", statements: true, statements_limit: 20 }]
              probe:
                - { http: "http://127.0.0.1:8080/health", valid_status_codes: [200, 204], timeout: 2s }
                - { tcp: "127.0.0.1:5432" }
                - { dns: localhost }
              process: [{ names: [nginx, postgres], group: web }]
            """);
        var c = config.Collectors;
        Assert.Equal(TimeSpan.FromSeconds(2), c.Interval);
        Assert.Equal("myapp", Assert.Single(c.Dotnet).ProcessName);
        Assert.Equal(["MyApp.Orders"], c.Dotnet[0].Meters);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Dotnet[0].RefreshInterval);
        Assert.True(Assert.Single(c.Postgres).Statements);
        Assert.Equal(20, c.Postgres[0].StatementsLimit);
        Assert.Equal(3, c.Probe.Count);
        Assert.Equal([200, 204], c.Probe[0].ValidStatusCodes);
        Assert.Equal(TimeSpan.FromSeconds(2), c.Probe[0].Timeout);
        Assert.Equal("127.0.0.1:5432", c.Probe[1].Tcp);
        Assert.Equal(["nginx", "postgres"], Assert.Single(c.Process).Names);
        Assert.Equal("web", c.Process[0].Group);
    }

    [Theory]
    [InlineData("collectors:\n  probe: [{ tcp: \"a:1\", tiemout: 2s }]\n", "vigil.yaml:2:25: unknown key \"tiemout\"")]
    [InlineData("collectors:\n  probe:\n    - { interval: 5s }\n", "vigil.yaml:3:7:")]
    [InlineData("collectors:\n  dotnet: [{ meters: [x] }]\n", "one of process_name or pid is required")]
    public void Parse_BadCollectorEntry_ErrorNamesFileLineAndKey(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ProbeFromConfig_StoresProbeSuccessForAReachableAndAnUnreachablePort()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        int openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        int closedPort = TestSupport.Processes.FreePort();
        var config = VigilConfig.Parse($"""
            collectors:
              probe: [{"{"} tcp: "127.0.0.1:{openPort}", interval: 1s, timeout: 500ms {"}"}, {"{"} tcp: "127.0.0.1:{closedPort}", interval: 1s, timeout: 500ms {"}"}]
            """);
        using var storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dir, DisableBackgroundMaintenance = true });
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectionInterval = TimeSpan.FromMilliseconds(500),
            CollectHost = false,
            CollectSelf = false,
            Collectors = config.Collectors,
        }, storage);
        var http = vigil.Http;
        var values = await Poll.ForAsync(async () =>
        {
            var found = new Dictionary<string, string>();
            foreach (var line in (await http.GetStringAsync("/api/v1/export?match[]=probe_success")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var doc = JsonDocument.Parse(line);
                var last = doc.RootElement.GetProperty("values").EnumerateArray().Last();
                found[doc.RootElement.GetProperty("metric").GetProperty("target").GetString()!] = last.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return found;
        }, v => v.Count == 2, v => $"probe_success for {v?.Count ?? 0} targets", TimeSpan.FromSeconds(30));
        Assert.Equal("1", values[$"127.0.0.1:{openPort}"]);
        Assert.Equal("0", values[$"127.0.0.1:{closedPort}"]);
    }
}
