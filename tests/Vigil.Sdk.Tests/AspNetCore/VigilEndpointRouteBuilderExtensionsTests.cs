using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Sdk.AspNetCore;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.AspNetCore;

public sealed class VigilEndpointRouteBuilderExtensionsTests
{
    [Fact]
    public async Task MapVigilMetrics_WithAddVigilSdk_ServesProfilerMetrics()
    {
        await using var app = await StartAsync(app => app.MapVigilMetrics());
        var profiler = app.Services.GetRequiredService<ToolProfiler>();
        profiler.Run("checkout", run => run.NetworkCall(3));
        using var http = app.GetTestClient();

        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var m = Scrape.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, m["vigil_tool_network_calls_total{outcome=\"success\",tool=\"checkout\"}"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/vigil/tools", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task MapVigil_ToolRoutes_JsonAndEncodedNames()
    {
        await using var app = await StartAsync(app => app.MapVigil());
        var profiler = app.Services.GetRequiredService<ToolProfiler>();
        profiler.Run("a/b", _ => { });
        profiler.Run("search", _ => { });
        using var http = app.GetTestClient();

        string list = await http.GetStringAsync(new Uri("/vigil/tools?window=10m", UriKind.Relative));
        Assert.Contains("\"tool_name\":\"a/b\"", list, StringComparison.Ordinal);
        Assert.Contains("\"window_seconds\":600", list, StringComparison.Ordinal);
        string one = await http.GetStringAsync(new Uri("/vigil/tools/a%2Fb", UriKind.Relative));
        Assert.Contains("\"total_executions\":1", one, StringComparison.Ordinal);
        using var bad = await http.GetAsync(new Uri("/vigil/tools/search?window=abc", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, new Uri("/metrics", UriKind.Relative));
        using var headResponse = await http.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headResponse.StatusCode);
        Assert.Empty(await headResponse.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MapVigil_AnomalyRoutes_BaselineAndAnomalies()
    {
        await using var app = await StartAsync(app => app.MapVigil());
        var profiler = app.Services.GetRequiredService<ToolProfiler>();
        await using var detector = new Vigil.Sdk.Anomaly.ToolAnomalyDetector(new Vigil.Sdk.Anomaly.ToolAnomalyDetectorOptions { MeterName = "Test.AspNet.Anomaly." + Guid.NewGuid().ToString("N") });
        app.Services.GetRequiredService<Vigil.Sdk.Exposition.VigilEndpoint>().ServeAnomalies(detector);
        detector.TrainBaseline("search", Anomaly.ToolAnomalyDetectorTests.History());
        using var watch = detector.Watch(profiler);
        profiler.Record(Anomaly.ToolAnomalyDetectorTests.Run(0.5, 0.45, allocated: 50_000_000) with { TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        using var http = app.GetTestClient();

        string baseline = await http.GetStringAsync(new Uri("/vigil/tools/search/baseline", UriKind.Relative));
        string anomalies = await http.GetStringAsync(new Uri("/vigil/anomalies?window=1h", UriKind.Relative));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("\"training_runs\":200", baseline, StringComparison.Ordinal);
        Assert.Contains("\"severity\":\"critical\"", anomalies, StringComparison.Ordinal);
        Assert.Contains("vigil_tool_anomalies_total{severity=\"critical\",tool=\"search\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapVigilMetrics_WithoutAddVigilSdk_ClearError()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapVigilMetrics());
        Assert.Contains("AddVigilSdk", e.Message, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddVigilSdk(o => o.MeterName = "Vigil.Sdk.Tests.AspNet");
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
