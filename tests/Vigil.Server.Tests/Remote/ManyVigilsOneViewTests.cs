using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Analysis.Insights;
using Vigil.Cli;
using Vigil.Collection.Remote;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Remote;

/// <summary>
/// Many Vigils, one view: two edge Vigils with distinct external labels (<c>vigil_host</c>) store into one real
/// VictoriaMetrics with no local database; one brain Vigil over that VictoriaMetrics sees both hosts in its query API,
/// scores both, and <c>vigil analyze</c> lists an insight for each.
/// </summary>
public sealed class ManyVigilsOneViewTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-one-view-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Random _random = new(5);
    private readonly List<RemoteStorage> _storages = new();
    private readonly List<VigilServer> _servers = new();
    private ExporterProcess _vm = null!;

    public async Task InitializeAsync() => _vm = await ExporterProcess.StartVictoriaMetricsAsync();

    public async Task DisposeAsync()
    {
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }
        foreach (var s in _storages)
        {
            s.Dispose();
        }
        await _vm.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<VigilServer> StartAsync(VigilServerOptions options, LabelSet externalLabels)
    {
        var storage = new RemoteStorage(new RemoteStoreOptions { Url = _vm.BaseAddress, ExternalLabels = externalLabels });
        _storages.Add(storage);
        var server = new VigilServer(options, storage);
        _servers.Add(server);
        await server.StartAsync();
        return server;
    }

    private static VigilServerOptions Edge(string host) => new()
    {
        Listen = new ListenAddress("127.0.0.1", 0),
        CollectHost = false,
        CollectionInterval = TimeSpan.FromSeconds(1),
        Instance = host,
    };

    private async Task PushAsync(VigilServer edge, string instance, IEnumerable<(long T, double V)> points)
    {
        var text = new StringBuilder();
        foreach (var (t, v) in points)
        {
            text.Append(CultureInfo.InvariantCulture, $"shop_latency_seconds{{job=\"shop\",instance=\"{instance}\"}} {v} {t}\n");
        }
        using var response = await _http.PostAsync(new Uri(edge.BaseAddress, "api/v1/import/prometheus"), new StringContent(text.ToString()));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> DataAsync(VigilServer server, string path)
    {
        using var response = await _http.GetAsync(new Uri(server.BaseAddress, path));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, path + ": " + body);
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    private double Normal() => 0.1 + (0.01 * _random.NextDouble());

    [Fact]
    public async Task TwoEdgesOneVictoriaMetrics_BrainApiAndAnalyzeShowBothHosts()
    {
        var edges = new[]
        {
            (Host: "host-a", Server: await StartAsync(Edge("host-a"), LabelSet.Of("vigil_host", "a"))),
            (Host: "host-b", Server: await StartAsync(Edge("host-b"), LabelSet.Of("vigil_host", "b"))),
        };
        // Ten minutes of history per host, pushed to its own edge.
        long now = Timestamp.Now();
        foreach (var (host, edge) in edges)
        {
            await PushAsync(edge, host, Enumerable.Range(1, 600).Reverse().Select(i => (now - (i * 1000L), Normal())));
        }
        var brain = await StartAsync(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            CollectSelf = false,
            DataDirectory = _dir,
            Analysis = new AnalysisConfig
            {
                EvaluationInterval = TimeSpan.FromMilliseconds(250),
                BuiltinSeries = false,
                Selectors = [new AnalysisSelector("{job=\"shop\"}", [LabelMatcher.Equal("job", "shop")])],
                DetectorParameters = new Dictionary<string, double> { ["min_points"] = 100 },
                Hold = TimeSpan.FromMinutes(5),
                Insights = new AnalysisInsightsConfig { Interval = TimeSpan.FromMilliseconds(250) },
            },
        }, LabelSet.Empty);

        // The brain's query API sees both hosts: their pushed series and the edges' own metrics, told apart by vigil_host.
        await Poll.UntilAsync(async () =>
        {
            var values = (await DataAsync(brain, "api/v1/label/vigil_host/values")).EnumerateArray().Select(v => v.GetString()).ToList();
            return values.SequenceEqual(["a", "b"]);
        });
        List<string> counts = [];
        await Poll.UntilAsync(async () =>
        {
            counts = (await DataAsync(brain, "api/v1/query?query=" + Uri.EscapeDataString("sum by (vigil_host, instance) (count_over_time(shop_latency_seconds[15m]))")))
                .GetProperty("result").EnumerateArray()
                .Select(r => $"{r.GetProperty("metric").GetProperty("vigil_host").GetString()}/{r.GetProperty("metric").GetProperty("instance").GetString()}={r.GetProperty("value")[1].GetString()}")
                .Order(StringComparer.Ordinal)
                .ToList();
            return counts.Count == 2;
        }, () => string.Join(", ", counts));
        Assert.Equal(["a/host-a=600", "b/host-b=600"], counts);
        await Poll.UntilAsync(async () => (await DataAsync(brain, "api/v1/query?query=" + Uri.EscapeDataString("count by (vigil_host) (vigil_build_info)")))
            .GetProperty("result").GetArrayLength() == 2);

        // An anomaly on each host, pushed through its edge, once the brain's scorer has learnt both histories: it finds both.
        await Poll.UntilAsync(() => Task.FromResult(brain.Analysis!.Scorer.SeriesCount == 2), timeout: TimeSpan.FromSeconds(60));
        for (int i = 0; i < 10; i++)
        {
            foreach (var (host, edge) in edges)
            {
                await PushAsync(edge, host, [(Timestamp.Now(), Normal())]);
            }
            await Task.Delay(100);
        }
        foreach (var (host, edge) in edges)
        {
            await PushAsync(edge, host, [(Timestamp.Now(), 1.5)]);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> descriptions;
        while (true)
        {
            descriptions = (await DataAsync(brain, "api/v1/insights?state=active&type=AnomalyDetected")).GetProperty("insights").EnumerateArray()
                .Select(i => i.GetProperty("description").GetString()!).ToList();
            if (descriptions.Count >= 2 || DateTime.UtcNow > deadline)
            {
                break;
            }
            foreach (var (host, edge) in edges)
            {
                await PushAsync(edge, host, [(Timestamp.Now(), Normal())]);
            }
            await Task.Delay(100);
        }
        Assert.Contains(descriptions, d => d.StartsWith("anomaly on host-a: shop_latency_seconds (", StringComparison.Ordinal));
        Assert.Contains(descriptions, d => d.StartsWith("anomaly on host-b: shop_latency_seconds (", StringComparison.Ordinal));

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["analyze", "--server", brain.BaseAddress.ToString()], new FixedStorageProvider(new MemoryStorage()), stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("AnomalyDetected  Active  0m     anomaly on host-a: shop_latency_seconds", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("AnomalyDetected  Active  0m     anomaly on host-b: shop_latency_seconds", stdout.ToString(), StringComparison.Ordinal);
    }
}
