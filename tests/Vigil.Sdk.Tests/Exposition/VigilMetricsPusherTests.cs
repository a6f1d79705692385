using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Exposition;

public sealed class VigilMetricsPusherTests
{
    [Fact]
    public async Task PushAsync_Receiver_GetsTextWithJobAndInstanceLabels()
    {
        var received = new List<(string Path, string ContentType, string Body)>();
        await using var app = await ReceiverAsync(received, status: 204);
        using var profiler = new ToolProfiler();
        profiler.Run("search", _ => { });
        await using var pusher = new VigilMetricsPusher(new VigilMetrics(profiler), new Uri("http://localhost/base/"),
            labels: new Dictionary<string, string> { ["job"] = "checkout", ["region"] = "eu" }, http: app.GetTestClient());

        Assert.True(await pusher.PushAsync());
        var (path, contentType, body) = Assert.Single(received);
        Assert.Equal("/base/api/v1/import/prometheus", path);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        var m = Scrape.Parse(body);
        string key = $"vigil_tool_runs_total{{instance=\"{Environment.MachineName}\",job=\"checkout\",outcome=\"success\",region=\"eu\",tool=\"search\"}}";
        Assert.Equal(1, m[key]);
        Assert.Equal(1, pusher.Pushes);
        Assert.Null(pusher.LastError);
    }

    [Fact]
    public async Task PushAsync_ServerRejects_FailureWithStatusAndBody()
    {
        var received = new List<(string, string, string)>();
        await using var app = await ReceiverAsync(received, status: 400);
        await using var pusher = new VigilMetricsPusher(new VigilMetrics(new ToolProfiler()), new Uri("http://localhost/"), http: app.GetTestClient());
        Assert.False(await pusher.PushAsync());
        Assert.Equal(1, pusher.Failures);
        Assert.Equal("http://localhost/api/v1/import/prometheus answered 400 Bad Request: rejected", pusher.LastError);
    }

    [Fact]
    public async Task PushAsync_NobodyListening_FailureNamesUrl()
    {
        int port = FreePort();
        await using var pusher = new VigilMetricsPusher(new VigilMetrics(new ToolProfiler()), new Uri($"http://127.0.0.1:{port}/"));
        Assert.False(await pusher.PushAsync());
        Assert.StartsWith($"http://127.0.0.1:{port}/api/v1/import/prometheus: ", pusher.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Interval_PushesRepeatedlyAndOnStop()
    {
        var received = new List<(string, string, string)>();
        await using var app = await ReceiverAsync(received, status: 200);
        var pusher = new VigilMetricsPusher(new VigilMetrics(new ToolProfiler()), new Uri("http://localhost/"), TimeSpan.FromMilliseconds(50), http: app.GetTestClient());
        pusher.Start();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pusher.Pushes < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        long before = pusher.Pushes;
        await pusher.DisposeAsync();
        Assert.True(before >= 3, $"{before} pushes");
        Assert.Equal(before + 1, pusher.Pushes);
    }

    [Fact]
    public void Constructor_BadArguments_ClearErrors()
    {
        var metrics = new VigilMetrics();
        Assert.Contains("absolute http", Assert.Throws<ArgumentException>(() => new VigilMetricsPusher(metrics, new Uri("ftp://x/"))).Message, StringComparison.Ordinal);
        Assert.Contains("\"bad-name\"", Assert.Throws<ArgumentException>(() => new VigilMetricsPusher(metrics, new Uri("http://x/"), labels: new Dictionary<string, string> { ["bad-name"] = "v" })).Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<WebApplication> ReceiverAsync(List<(string Path, string ContentType, string Body)> received, int status)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
            lock (received)
            {
                received.Add((context.Request.Path.Value!, context.Request.ContentType!, body));
            }
            context.Response.StatusCode = status;
            if (status >= 400)
            {
                await context.Response.WriteAsync("rejected");
            }
        });
        await app.StartAsync();
        return app;
    }
}
