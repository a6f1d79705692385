using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Server.Api;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

[Collection(OptimizerCollection.Name)]
public sealed class OptimizationsApiTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private readonly TestSignals _signals = new();
    private readonly List<IAsyncDisposable> _disposables = new();
    private TunableApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _disposables)
        {
            await d.DisposeAsync();
        }
        await _app.DisposeAsync();
    }

    private async Task<(VigilServer Server, HttpClient Http)> StartAsync(OptimizationConfig? config, ListenAddress? listen = null)
    {
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = listen ?? new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            Optimization = config,
            SignalSources = [_signals],
            StatisticalJudge = new UnusedJudge(),
            // Note: the beyond-loopback test is about the optimizer's own guard, which stays without a web configuration.
            InsecureListen = true,
        }, _storage);
        await server.StartAsync();
        _disposables.Add(server);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.BaseAddress.Port}/"), Timeout = TimeSpan.FromSeconds(30) };
        return (server, http);
    }

    private OptimizationConfig Approving(string? token) => Optimization(OptimizationMode.Approve, [Tunable(_app.BaseAddress)],
        [Policy("grow-pool", "HighLatency", "app", Params(("factor", "2")))]) with { ApiToken = token };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task List_WithoutOptimizer_ModeOffAndNoExecutions()
    {
        var (_, http) = await StartAsync(null);
        using var r = await http.GetAsync("api/v1/optimizations");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("""{"status":"success","data":{"mode":"off","executions":[]}}""", await r.Content.ReadAsStringAsync());
        using var post = await http.PostAsync("api/v1/optimizations/abcd/approve", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, post.StatusCode);
    }

    [Fact]
    public async Task ListGetApproveRollback_WithToken_FollowTheExecutionThroughItsLife()
    {
        var (server, http) = await StartAsync(Approving("t0ken"));
        _signals.Set(TestSignals.Alert("HighLatency", "critical", ("service", "demo")));
        string id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;

        using (var r = await http.GetAsync("api/v1/optimizations?status=pending"))
        {
            var data = (await JsonAsync(r)).GetProperty("data");
            Assert.Equal("approve", data.GetProperty("mode").GetString());
            var e = Assert.Single(data.GetProperty("executions").EnumerateArray());
            Assert.Equal(id, e.GetProperty("id").GetString());
            Assert.Equal("Pending", e.GetProperty("status").GetString());
            Assert.Equal("ScaleUp", e.GetProperty("action").GetProperty("type").GetString());
            Assert.Equal("2", e.GetProperty("action").GetProperty("parameters").GetProperty("factor").GetString());
            Assert.Equal("demo", e.GetProperty("trigger").GetProperty("labels").GetProperty("service").GetString());
            Assert.Equal("critical", e.GetProperty("trigger").GetProperty("severity").GetString());
        }
        using (var r = await http.GetAsync("api/v1/optimizations?status=Completed,RolledBack"))
        {
            Assert.Empty((await JsonAsync(r)).GetProperty("data").GetProperty("executions").EnumerateArray());
        }

        using (var r = await http.PostAsync($"api/v1/optimizations/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("Bearer realm=\"vigil\"", r.Headers.WwwAuthenticate.ToString());
            Assert.Equal("unauthorized", (await JsonAsync(r)).GetProperty("errorType").GetString());
        }
        Assert.Equal(4L, _app.Value("pool_size"));

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
        using (var r = await http.PostAsync($"api/v1/optimizations/{id}/approve", new FormUrlEncodedContent([new("by", "alice")])))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var e = (await JsonAsync(r)).GetProperty("data");
            Assert.Equal("Running", e.GetProperty("status").GetString());
            Assert.StartsWith("approved by alice from 127.0.0.1", e.GetProperty("notes")[1].GetProperty("text").GetString(), StringComparison.Ordinal);
        }
        await OptimizerWaits.WaitForAsync(server.Optimizer, id, e => e.Phase == ExecutionPhase.Observing);
        Assert.Equal(8L, _app.Value("pool_size"));

        using (var r = await http.PostAsync($"api/v1/optimizations/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal($"optimization {id} is Running, not pending", (await JsonAsync(r)).GetProperty("error").GetString());
        }
        using (var r = await http.PostAsync($"api/v1/optimizations/{id[..10]}/rollback", null))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        var done = await server.Optimizer.WaitForEndAsync(id).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Equal(4L, _app.Value("pool_size"));
        using (var r = await http.GetAsync($"api/v1/optimizations/{id}"))
        {
            var e = (await JsonAsync(r)).GetProperty("data");
            Assert.Equal("RolledBack", e.GetProperty("status").GetString());
            Assert.Equal("4", e.GetProperty("previousValue").GetString());
            Assert.Equal("8", e.GetProperty("appliedValue").GetString());
        }
    }

    [Fact]
    public async Task Post_BeyondLoopbackWithoutToken_Forbidden()
    {
        var (server, http) = await StartAsync(Approving(null), new ListenAddress(string.Empty, 0));
        _signals.Set(TestSignals.Alert("HighLatency"));
        string id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;

        using var r = await http.PostAsync($"api/v1/optimizations/{id}/reject", null);

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("optimization.api_token_file", (await JsonAsync(r)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.Pending, server.Optimizer.Find(id)!.Status);
    }

    [Fact]
    public async Task Post_LoopbackWithoutToken_Allowed()
    {
        var (server, http) = await StartAsync(Approving(null));
        _signals.Set(TestSignals.Alert("HighLatency"));
        string id = Assert.Single(await server.Optimizer!.DecideAsync()).Id;

        using var r = await http.PostAsync($"api/v1/optimizations/{id}/reject?reason=not+now", null);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var e = (await JsonAsync(r)).GetProperty("data");
        Assert.Equal("Rejected", e.GetProperty("status").GetString());
        Assert.Equal("rejected by api from 127.0.0.1: not now", e.GetProperty("notes")[1].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("api/v1/optimizations/0000000000000000", HttpStatusCode.NotFound, "not_found")]
    [InlineData("api/v1/optimizations?status=done", HttpStatusCode.BadRequest, "bad_data")]
    [InlineData("api/v1/optimizations?limit=0", HttpStatusCode.BadRequest, "bad_data")]
    public async Task Get_BadRequests_PrometheusStyleErrors(string url, HttpStatusCode status, string errorType)
    {
        var (_, http) = await StartAsync(Approving(null));
        using var r = await http.GetAsync(url);
        Assert.Equal(status, r.StatusCode);
        var body = await JsonAsync(r);
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Equal(errorType, body.GetProperty("errorType").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("localhost", false)]
    [InlineData("", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("10.1.2.3", true)]
    public void BeyondLoopback_ByListenHost(string host, bool beyond)
        => Assert.Equal(beyond, OptimizationsApi.BeyondLoopback(new ListenAddress(host, 9612)));
}
