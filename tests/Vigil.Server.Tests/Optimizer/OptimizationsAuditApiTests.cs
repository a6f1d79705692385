using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Vigil.Optimizer.Model;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

/// <summary><c>GET /api/v1/optimizations/audit</c>: requests (allowed, refused, denied) and executor calls, with their principal, survive a restart.</summary>
[Collection(OptimizerCollection.Name)]
public sealed class OptimizationsAuditApiTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-audit-api-").FullName;
    private readonly TestSignals _signals = new();
    private TunableApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task<VigilServer> StartAsync()
    {
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
            DataDirectory = _dataDir,
            Optimization = Optimization(OptimizationMode.Approve, [Tunable(_app.BaseAddress)],
                [Policy("grow-pool", "HighLatency", "app", Params(("factor", "2")))]) with { ApiToken = "t0ken" },
            SignalSources = [_signals],
            StatisticalJudge = new UnusedJudge(),
        }, new MemoryStorage());
        await server.StartAsync();
        return server;
    }

    private static async Task<JsonElement[]> AuditAsync(HttpClient http)
    {
        using var r = await http.GetAsync("api/v1/optimizations/audit");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("data").GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }

    private static string Line(JsonElement e) => string.Join(' ', e.GetProperty("principal").GetString(), e.GetProperty("kind").GetString(),
        e.GetProperty("action").GetString(), e.GetProperty("result").GetString());

    [Fact]
    public async Task Audit_DeniedApprovedAndRefusedRequestsAndExecutorCalls_RecordedWithPrincipalsAndKeptAcrossARestart()
    {
        string id;
        await using (var server = await StartAsync())
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            _signals.Set(TestSignals.Alert("HighLatency", "critical", ("service", "demo")));
            id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;

            using (var denied = await http.PostAsync($"api/v1/optimizations/{id}/approve", new FormUrlEncodedContent([new("by", "mallory")])))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            }
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
            using (var ok = await http.PostAsync($"api/v1/optimizations/{id}/approve", new FormUrlEncodedContent([new("by", "alice")])))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }
            await OptimizerWaits.WaitForAsync(server.Optimizer, id, e => e.Phase == ExecutionPhase.Observing);
            using (var refused = await http.PostAsync($"api/v1/optimizations/{id}/reject", null))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            }

            var entries = await AuditAsync(http);

            Assert.Equal(
            [
                "api-token request reject refused",
                "optimizer execution apply ok",
                "optimizer execution capture ok",
                "api-token request approve ok",
                "anonymous request approve denied",
            ], entries.Select(Line));
            Assert.All(entries, e => Assert.Equal(id, e.GetProperty("executionId").GetString()));
            Assert.All(entries, e => Assert.Equal("app/pool_size", e.GetProperty("target").GetString()));
            Assert.Contains("alice from 127.0.0.1", entries[3].GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("pool_size: 4 -> 8", entries[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        string file = Path.Combine(_dataDir, "optimizer", "audit.jsonl");
        Assert.Equal(5, File.ReadAllLines(file).Length);
        await using (var restarted = await StartAsync())
        {
            using var http = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var entries = await AuditAsync(http);
            Assert.True(entries.Length >= 5, $"{entries.Length} entries after a restart");
            Assert.Contains(entries, e => Line(e) == "anonymous request approve denied");
        }
    }

    [Fact]
    public async Task Audit_BadLimit_400()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var r = await http.GetAsync("api/v1/optimizations/audit?limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("bad_data", doc.RootElement.GetProperty("errorType").GetString());
    }
}
