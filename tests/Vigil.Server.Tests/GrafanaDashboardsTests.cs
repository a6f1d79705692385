using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vigil.Core.Model;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>
/// The Grafana dashboards under <c>grafana/</c>: importable JSON with a Prometheus data source variable, and every query
/// of every panel and variable answered by a live Vigil with data — the host and self collectors running, an app's
/// tool runs pushed by Vigil.Sdk, and optimizer executions imported — without a parse error and not empty.
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed partial class GrafanaDashboardsTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-grafana-").FullName;
    private TsdbStorage _storage = null!;
    private VigilServer _server = null!;
    private HttpClient _http = null!;

    public static TheoryData<string> Dashboards()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot.Path, "grafana"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    public async Task InitializeAsync()
    {
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromSeconds(1),
        }, _storage);
        await _server.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // An app's tool runs, pushed twice (so rates have two points): successes with cache hits and misses, I/O and
        // network calls, and a failure.
        using var profiler = new ToolProfiler();
        using var metrics = new VigilMetrics(profiler);
        await using var pusher = new VigilMetricsPusher(metrics, _server.BaseAddress);
        for (int push = 0; push < 2; push++)
        {
            for (int i = 0; i < 5; i++)
            {
                profiler.Run("search", run =>
                {
                    run.CacheHit();
                    run.CacheMiss();
                    run.IoOperation();
                    run.NetworkCall();
                    _ = new byte[1024 * (i + 1)];
                });
            }
            Assert.Throws<TimeoutException>(() => profiler.Run("search", _ => throw new TimeoutException("upstream")));
            Assert.True(await pusher.PushAsync());
            await Task.Delay(1500);
        }

        // The optimizer's own series, as it writes them after a completed and a rolled-back action.
        long now = Timestamp.Now();
        var text = new StringBuilder();
        for (int k = 3; k >= 0; k--)
        {
            long t = now - (k * 15_000);
            text.Append(CultureInfo.InvariantCulture, $"vigil_optimization_executions_total{{type=\"config\",status=\"Completed\"}} {4 - k} {t}\n");
            text.Append(CultureInfo.InvariantCulture, $"vigil_optimization_executions_total{{type=\"config\",status=\"RolledBack\"}} {(k < 2 ? 1 : 0)} {t}\n");
            text.Append(CultureInfo.InvariantCulture, $"vigil_optimization_impact_ratio{{type=\"config\",policy=\"pool\",target=\"shop/pool_size\"}} 0.{20 + k} {t}\n");
        }
        using var import = await _http.PostAsync("api/v1/import/prometheus", new StringContent(text.ToString()));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

        // Two host and self collections at least, so rates over them have points.
        await Poll.UntilAsync(async () => (await SeriesCountAsync("node_cpu_seconds_total", 2)) && (await SeriesCountAsync("dotnet_gc_collections_total", 2)),
            timeout: TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _storage.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_Importable_PrometheusDataSourceVariable(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Path, "grafana", file)));
        var root = doc.RootElement;
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.Matches("^vigil-[a-z-]+$", root.GetProperty("uid").GetString());
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "an importable dashboard has no id");
        var dsVariable = root.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal("prometheus", dsVariable.GetProperty("query").GetString());
        string name = dsVariable.GetProperty("name").GetString()!;
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 4, $"{file} has {panels.Count} panels");
        foreach (var panel in panels)
        {
            Assert.Equal("${" + name + "}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal("${" + name + "}", target.GetProperty("datasource").GetProperty("uid").GetString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public async Task Dashboard_EveryQuery_ParsesAndHasData(string file)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoRoot.Path, "grafana", file)));
        var problems = new List<string>();
        foreach (var variable in doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"))
        {
            string query = variable.GetProperty("query").GetProperty("query").GetString()!;
            var m = LabelValues().Match(query);
            Assert.True(m.Success, $"{file}: variable {variable.GetProperty("name")} is not label_values(metric, label): {query}");
            using var r = await _http.GetAsync($"api/v1/label/{m.Groups[2].Value}/values?match[]={Uri.EscapeDataString(m.Groups[1].Value)}");
            using var values = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            if (!r.IsSuccessStatusCode || values.RootElement.GetProperty("data").GetArrayLength() == 0)
            {
                problems.Add($"variable {variable.GetProperty("name")}: {query}: no values ({(int)r.StatusCode})");
            }
        }
        long end = Timestamp.Now() / 1000;
        foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                string expr = Substitute(target.GetProperty("expr").GetString()!);
                using var content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["query"] = expr,
                    ["start"] = (end - 600).ToString(CultureInfo.InvariantCulture),
                    ["end"] = end.ToString(CultureInfo.InvariantCulture),
                    ["step"] = "15",
                });
                using var r = await _http.PostAsync("api/v1/query_range", content);
                using var result = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                string title = panel.GetProperty("title").GetString()!;
                if (!r.IsSuccessStatusCode)
                {
                    problems.Add($"{title}: {expr}: {(int)r.StatusCode} {result.RootElement.GetProperty("error").GetString()}");
                }
                else if (result.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() == 0)
                {
                    problems.Add($"{title}: {expr}: empty result");
                }
            }
        }
        Assert.True(problems.Count == 0, file + ":\n" + string.Join('\n', problems));
    }

    /// <summary>Grafana's variables as Grafana would expand them: "All" as the variable's allValue, built-in intervals.</summary>
    private static string Substitute(string expr) => Variable().Replace(expr, m => m.Groups[1].Value switch
    {
        "__rate_interval" => "1m",
        "__interval" => "15s",
        "__range" => "10m",
        _ => ".+",
    });

    private async Task<bool> SeriesCountAsync(string metric, int points)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString($"count_over_time({metric}[1m])")));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() > 0 && result.EnumerateArray().All(s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) >= points);
    }

    [GeneratedRegex(@"^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*), *([a-zA-Z_][a-zA-Z0-9_]*)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?")]
    private static partial Regex Variable();
}
