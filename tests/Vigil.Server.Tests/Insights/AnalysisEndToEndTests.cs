using System.Net;
using System.Text.Json;
using Vigil.Analysis.Insights;
using Vigil.Cli;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Rules;
using Vigil.Server.Tests.Optimizer;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Insights;

/// <summary>
/// A running server with the analysis on: an anomaly injected into a pushed series yields an <c>vigil_anomaly_score</c> spike
/// (query API), an insight (<c>/api/v1/insights</c>, <c>vigil analyze</c>), an alert from a rule on <c>vigil_anomalous</c>
/// (<c>/api/v1/alerts</c>) and an optimizer recommendation from a policy on the insight; after a restart the detector
/// state and the insight are still there.
/// </summary>
public sealed class AnalysisEndToEndTests : IDisposable
{
    private static readonly LabelSet Latency = LabelSet.Of("__name__", "shop_latency_seconds", "job", "shop", "instance", "web-1");
    private readonly MemoryStorage _storage = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-analysis-e2e-").FullName;
    private readonly Random _random = new(11);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public AnalysisEndToEndTests()
    {
        File.WriteAllText(Path.Combine(_dir, "rules.yml"), """
            groups:
              - name: anomalies
                rules:
                  - alert: ShopAnomalous
                    expr: vigil_anomalous{metric_name="shop_latency_seconds"} == 1
                    labels: { severity: warning }
            """);
        // Ten minutes of history, one point a second, before the server starts: the detector learns it at start-up.
        var app = _storage.Appender();
        long now = Timestamp.Now();
        for (int i = 600; i > 0; i--)
        {
            app.Append(Latency, now - (i * 1000L), Normal());
        }
        app.Commit();
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private double Normal() => 0.1 + (0.01 * _random.NextDouble());

    private void Push(double value)
    {
        var app = _storage.Appender();
        app.Append(Latency, Timestamp.Now(), value);
        app.Commit();
    }

    private VigilServer Server() => new(new VigilServerOptions
    {
        Listen = new ListenAddress("127.0.0.1", 0),
        CollectionInterval = TimeSpan.FromSeconds(1),
        CollectHost = false,
        CollectSelf = false,
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
        Optimization = OptimizerConfigs.Optimization(OptimizationMode.Recommend, [OptimizerConfigs.Tunable(new Uri("http://127.0.0.1:1/"))],
            [OptimizerConfigs.Policy("investigate", "AnomalyDetected", "app", OptimizerConfigs.Params(("factor", "2"))) with
            {
                Match = new OptimizationMatchConfig { Source = OptimizationSignal.InsightSource, Type = "AnomalyDetected", Severities = ["low", "medium"] },
            }]) with { Interval = TimeSpan.FromMilliseconds(250) },
    }, _storage);

    /// <summary>Keeps the series alive (a normal point every 100 ms) until <paramref name="condition"/> holds.</summary>
    private async Task<T> UntilAsync<T>(Func<Task<T?>> condition, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await condition() is { } result)
            {
                return result;
            }
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            Push(Normal());
            await Task.Delay(100);
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Root)> GetAsync(VigilServer server, string path)
    {
        using var response = await _http.GetAsync(new Uri(server.BaseAddress, path));
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    [Fact]
    public async Task InjectedAnomaly_ScoreInsightAlertRecommendation_AndStateSurvivesRestart()
    {
        string insightId;
        await using (var server = Server())
        {
            await server.StartAsync();
            for (int i = 0; i < 10; i++)
            {
                Push(Normal());
                await Task.Delay(100);
            }
            Push(1.5);

            // The score, through the query API.
            double score = double.Parse(await UntilAsync(async () =>
            {
                var (_, root) = await GetAsync(server, "api/v1/query?query=" + Uri.EscapeDataString("max_over_time(vigil_anomaly_score{metric_name=\"shop_latency_seconds\",detector=\"vigil\"}[5m])"));
                var result = root.GetProperty("data").GetProperty("result");
                return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() is { } v && v != "0" ? v : null;
            }, "an anomaly score"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(score >= 0.9, $"injected anomaly scored {score}");

            // The insight.
            var insight = JsonDocument.Parse(await UntilAsync(async () =>
            {
                var (status, root) = await GetAsync(server, "api/v1/insights?state=active&type=AnomalyDetected");
                Assert.Equal(HttpStatusCode.OK, status);
                var list = root.GetProperty("data").GetProperty("insights");
                return list.GetArrayLength() > 0 ? list[0].GetRawText() : null;
            }, "an anomaly insight")).RootElement;
            Assert.Equal("anomaly", insight.GetProperty("engine").GetString());
            Assert.Equal("Low", insight.GetProperty("severity").GetString());
            Assert.Equal("shop_latency_seconds", insight.GetProperty("affectedSeries")[0].GetProperty("__name__").GetString());
            Assert.Equal("web-1", insight.GetProperty("labels").GetProperty("instance").GetString());
            Assert.StartsWith("anomaly on web-1: shop_latency_seconds (", insight.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("CodeOptimization", insight.GetProperty("recommendations")[0].GetProperty("type").GetString());
            insightId = insight.GetProperty("id").GetString()!;

            // The alert from the rule on anomalous.
            await UntilAsync(async () =>
            {
                var (_, root) = await GetAsync(server, "api/v1/alerts");
                return root.GetProperty("data").GetProperty("alerts").EnumerateArray()
                    .Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "ShopAnomalous" && a.GetProperty("state").GetString() == "firing")
                    ? "firing" : null;
            }, "the ShopAnomalous alert");

            // The optimizer's recommendation, triggered by the insight.
            var execution = await UntilAsync(() => Task.FromResult(server.Optimizer!.Executions().FirstOrDefault()), "a recommendation");
            Assert.Equal((OptimizationSignal.InsightSource, "AnomalyDetected", "low"), (execution.Trigger!.Source, execution.Trigger.Type, execution.Trigger.Severity));
            Assert.Equal("anomaly", execution.Trigger.Labels["engine"]);

            // Filters and errors of the API, and vigil analyze.
            var (bad, error) = await GetAsync(server, "api/v1/insights?severity=urgent");
            Assert.Equal(HttpStatusCode.BadRequest, bad);
            Assert.Equal("invalid parameter \"severity\": \"urgent\" is not one of Low, Medium, High, Critical", error.GetProperty("error").GetString());
            var (_, none) = await GetAsync(server, "api/v1/insights?type=ResourceExhaustion");
            Assert.Equal(0, none.GetProperty("data").GetProperty("insights").GetArrayLength());
            var (missing, _) = await GetAsync(server, "api/v1/insights/nope");
            Assert.Equal(HttpStatusCode.NotFound, missing);
            var (one, byId) = await GetAsync(server, "api/v1/insights/" + insightId);
            Assert.Equal((HttpStatusCode.OK, insightId), (one, byId.GetProperty("data").GetProperty("id").GetString()));

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = await VigilCli.RunAsync(["analyze", "--server", server.BaseAddress.ToString()], new FixedStorageProvider(_storage), stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            string table = stdout.ToString();
            Assert.StartsWith("SEVERITY  TYPE             STATE   SINCE  DESCRIPTION", table, StringComparison.Ordinal);
            Assert.Contains("Low       AnomalyDetected  Active  0m     anomaly on web-1: shop_latency_seconds", table, StringComparison.Ordinal);
            Assert.Contains("→ CodeOptimization: Investigate what changed on web-1", table, StringComparison.Ordinal);
            Assert.EndsWith("1 active, 0 resolved\n", table.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(_dir, ScorerStateFile.DirectoryName, ScorerStateFile.FileName)));
        await using (var restarted = Server())
        {
            await restarted.StartAsync();
            Assert.Equal(1, restarted.Analysis!.Scorer.SeriesCount);
            var (_, root) = await GetAsync(restarted, "api/v1/insights/" + insightId);
            Assert.Equal("AnomalyDetected", root.GetProperty("data").GetProperty("type").GetString());
        }
    }
}
