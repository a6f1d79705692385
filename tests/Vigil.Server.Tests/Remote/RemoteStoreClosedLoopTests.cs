using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Analysis.Insights;
using Vigil.Collection.Remote;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Rules;
using Vigil.Server.Tests.Optimizer;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Remote;

/// <summary>
/// The closed loop with Debian's real VictoriaMetrics as the only store (<c>storage.remote</c>, no local TSDB): an
/// anomaly injected into a series becomes an anomaly score, an insight and a firing alert; the alert's policy shrinks
/// a real tunable app's pool, the evaluator measures the latency getting worse and rolls the change back. Every read
/// goes to VictoriaMetrics' query API, every write (scores, rule results, executions) is remote-written there.
/// </summary>
[Collection(OptimizerCollection.Name)]
public sealed class RemoteStoreClosedLoopTests : IAsyncLifetime
{
    private static readonly LabelSet Shop = LabelSet.Of("__name__", "shop_latency_seconds", "job", "shop", "instance", "web-1");
    private static readonly LabelSet Demo = LabelSet.Of("__name__", "demo_latency_seconds", "job", "demo");
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-remote-loop-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _random = new(11);
    private ExporterProcess _vm = null!;
    private RemoteStorage _storage = null!;
    private TunableApp _app = null!;
    private Task _simulator = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _vm = await ExporterProcess.StartVictoriaMetricsAsync();
        _storage = new RemoteStorage(new RemoteStoreOptions { Url = _vm.BaseAddress });
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
        File.WriteAllText(Path.Combine(_dir, "rules.yml"), """
            groups:
              - name: anomalies
                rules:
                  - alert: ShopAnomalous
                    expr: vigil_anomalous{metric_name="shop_latency_seconds"} == 1
                    labels: { severity: warning }
            """);
        // Ten minutes of normal shop latency, one point a second, remote-written before the server starts.
        var app = _storage.Appender();
        long now = Timestamp.Now();
        for (int i = 600; i > 0; i--)
        {
            app.Append(Shop, now - (i * 1000L), Normal());
        }
        app.Commit();
        _simulator = Task.Run(SimulateAsync);
        await Poll.UntilAsync(async () => await VmValueAsync("count_over_time(shop_latency_seconds[15m])") >= 600);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _simulator;
        await _app.DisposeAsync();
        _storage.Dispose();
        await _vm.DisposeAsync();
        _http.Dispose();
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private double Normal() => 0.1 + (0.01 * _random.NextDouble());

    /// <summary>Every 100 ms: the demo latency the app's pool size gives (0.4 s / pool_size, ±5 %), and a normal shop latency until the anomaly is injected.</summary>
    private async Task SimulateAsync()
    {
        var rng = new Random(7);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var app = _storage.Appender();
                long t = Timestamp.Now();
                app.Append(Demo, t, 0.4 / (long)_app.Value("pool_size") * (1 + ((rng.NextDouble() - 0.5) * 0.1)));
                double? shop = Interlocked.Exchange(ref _nextShop, null) as double?;
                app.Append(Shop, t, shop ?? 0.1 + (0.01 * rng.NextDouble()));
                app.Commit();
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The next shop latency to write instead of a normal one (the injected anomaly), boxed for interlocked exchange.</summary>
    private object? _nextShop;

    private async Task<double> VmValueAsync(string query)
    {
        using var response = await _http.GetAsync(new Uri(_vm.BaseAddress, "api/v1/query?query=" + Uri.EscapeDataString(query)));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? double.NaN : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> VigilAsync(VigilServer server, string path)
    {
        using var response = await _http.GetAsync(new Uri(server.BaseAddress, path));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, path + ": " + body);
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> condition, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            if (await condition() is { } result)
            {
                return result;
            }
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(200);
        }
    }

    private VigilServer Server() => new(new VigilServerOptions
    {
        Listen = new ListenAddress("127.0.0.1", 0),
        CollectionInterval = TimeSpan.FromSeconds(1),
        CollectHost = false,
        DataDirectory = _dir,
        Rules = new RuleManagerOptions { RuleFiles = ["rules.yml"], BaseDirectory = _dir, EvaluationInterval = TimeSpan.FromMilliseconds(250) },
        Analysis = new AnalysisConfig
        {
            EvaluationInterval = TimeSpan.FromMilliseconds(250),
            BuiltinSeries = false,
            Selectors = [new AnalysisSelector("{job=\"shop\"}", [LabelMatcher.Equal("job", "shop")])],
            DetectorParameters = new Dictionary<string, double> { ["min_points"] = 100 },
            Hold = TimeSpan.FromMinutes(5),
            Insights = new AnalysisInsightsConfig { Interval = TimeSpan.FromMilliseconds(250) },
        },
        Optimization = OptimizerConfigs.Optimization(OptimizationMode.Auto, [OptimizerConfigs.Tunable(_app.BaseAddress)],
            [OptimizerConfigs.Policy("shrink-pool", "ShopAnomalous", "app", OptimizerConfigs.Params(("factor", "0.5")))]) with
        {
            Interval = TimeSpan.FromMilliseconds(200),
            Evaluation = new OptimizationEvaluationConfig
            {
                Baseline = TimeSpan.FromSeconds(3),
                Settle = TimeSpan.FromMilliseconds(600),
                Observation = TimeSpan.FromSeconds(3),
                Step = TimeSpan.FromMilliseconds(200),
            },
        },
    }, _storage);

    [Fact]
    public async Task ClosedLoop_VictoriaMetricsAsOnlyStore_AnomalyScoreInsightAlertActionEvaluationRollback()
    {
        await using var server = Server();
        await server.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Volatile.Write(ref _nextShop, 1.5);

        // The score, through Vigil's query API (evaluated by VictoriaMetrics).
        string score = await UntilAsync(async () =>
        {
            var result = (await VigilAsync(server, "api/v1/query?query=" + Uri.EscapeDataString("max_over_time(vigil_anomaly_score{metric_name=\"shop_latency_seconds\",detector=\"vigil\"}[5m])"))).GetProperty("result");
            return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() is { } v && v != "0" ? v : null;
        }, "an anomaly score");
        Assert.True(double.Parse(score, CultureInfo.InvariantCulture) >= 0.9, "injected anomaly scored " + score);

        // The insight.
        var insight = JsonDocument.Parse(await UntilAsync(async () =>
        {
            var list = (await VigilAsync(server, "api/v1/insights?state=active&type=AnomalyDetected")).GetProperty("insights");
            return list.GetArrayLength() > 0 ? list[0].GetRawText() : null;
        }, "an anomaly insight")).RootElement;
        Assert.StartsWith("anomaly on web-1: shop_latency_seconds (", insight.GetProperty("description").GetString(), StringComparison.Ordinal);

        // The alert from the rule on anomalous (the rule's query is evaluated by VictoriaMetrics).
        await UntilAsync(async () => (await VigilAsync(server, "api/v1/alerts")).GetProperty("alerts").EnumerateArray()
            .Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "ShopAnomalous" && a.GetProperty("state").GetString() == "firing") ? "firing" : null,
            "the ShopAnomalous alert");

        // The action, its evaluation over VictoriaMetrics' range queries, and the rollback.
        var first = await UntilAsync(() => Task.FromResult(server.Optimizer!.Executions().FirstOrDefault()), "an execution");
        Assert.Equal((OptimizationSignal.AlertSource, "ShopAnomalous"), (first.Trigger!.Source, first.Trigger.Type));
        var done = await server.Optimizer!.WaitForEndAsync(first.Id).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(done.Status == ExecutionStatus.RolledBack, $"{done.Status}: {done.Evidence?.Reason} {done.Error}");
        Assert.Equal(("4", "2"), (done.PreviousValue, done.AppliedValue));
        Assert.Equal(4L, _app.Value("pool_size"));
        var m = Assert.Single(done.Evidence!.Metrics);
        Assert.Equal(MetricClassification.High, m.Classification);
        Assert.InRange(m.Baseline.Median, 0.09, 0.11);
        Assert.InRange(m.Observation.Median, 0.18, 0.22);

        // Everything Vigil wrote (scores, rule results, its own metrics with the executions) is in VictoriaMetrics, read there directly.
        await Poll.UntilAsync(async () => await VmValueAsync("sum(vigil_optimization_executions_total{status=\"RolledBack\"})") >= 1);
        Assert.True(await VmValueAsync("max_over_time(vigil_anomaly_score{metric_name=\"shop_latency_seconds\"}[5m])") >= 0.9);
        Assert.Equal(1, await VmValueAsync("max_over_time(ALERTS{alertname=\"ShopAnomalous\",alertstate=\"firing\"}[5m])"));
        // And nothing of a local database was written next to the analysis and optimizer state.
        Assert.False(Directory.Exists(Path.Combine(_dir, "wal")));
        Assert.DoesNotContain(Directory.GetDirectories(_dir), d => Path.GetFileName(d).StartsWith("01", StringComparison.Ordinal));
    }
}
