using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Exposition;

public sealed class VigilHttpListenerTests
{
    [Fact]
    public async Task Get_MetricsAndSummary_OverRealHttp()
    {
        using var profiler = new ToolProfiler();
        profiler.Run("search", run => run.CacheHit());
        await using var listener = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics(profiler)), port: 0, IPAddress.Loopback);
        using var http = new HttpClient { BaseAddress = listener.BaseAddress };

        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
        var m = Scrape.Parse(await metrics.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, m["vigil_tool_runs_total{outcome=\"success\",tool=\"search\"}"]);

        // Same connection (keep-alive), second request.
        string json = await http.GetStringAsync(new Uri("/vigil/tools/search?window=5m", UriKind.Relative));
        Assert.Contains("\"total_executions\":1", json, StringComparison.Ordinal);
        using var missing = await http.GetAsync(new Uri("/vigil/tools/none", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(3, listener.Requests);
    }

    [Fact]
    public async Task RawSocket_PipelinedKeepAliveAndHead_AnsweredInOrder()
    {
        await using var listener = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics(new ToolProfiler())), port: 0, IPAddress.Loopback);
        string response = await ExchangeAsync(listener,
            "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /vigil/tools/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /nothing HTTP/1.1\r\nConnection: close\r\n\r\n");
        // Bodies are not followed by a line break, so status lines are found by pattern.
        var statuses = System.Text.RegularExpressions.Regex.Matches(response, @"HTTP/1\.1 \d{3} [A-Za-z ]+?\r\n").Select(m => m.Value.TrimEnd()).ToList();
        Assert.Equal(["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not Found"], statuses);
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawSocket_MalformedAndOversized_ClearErrorsAndListenerSurvives()
    {
        await using var listener = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics(new ToolProfiler())), port: 0, IPAddress.Loopback);
        string bad = await ExchangeAsync(listener, "NONSENSE\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request", bad, StringComparison.Ordinal);
        Assert.Contains("malformed request line \\u0022NONSENSE\\u0022", bad, StringComparison.Ordinal);

        string huge = await ExchangeAsync(listener, "GET /metrics HTTP/1.1\r\nX-Big: " + new string('a', 9000) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", huge, StringComparison.Ordinal);

        string chunked = await ExchangeAsync(listener, "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 501", chunked, StringComparison.Ordinal);

        string post = await ExchangeAsync(listener, "POST /metrics HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
        Assert.StartsWith("HTTP/1.1 405", post, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = listener.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.True(listener.ConnectionErrors >= 2);
    }

    [Fact]
    public async Task Start_PortTaken_SocketException()
    {
        await using var first = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics()), port: 0, IPAddress.Loopback);
        var second = new VigilHttpListener(new VigilEndpoint(new VigilMetrics()), first.LocalEndPoint);
        var e = Assert.Throws<SocketException>(second.Start);
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }

    private static async Task<string> ExchangeAsync(VigilHttpListener listener, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(listener.LocalEndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadToEndAsync(timeout.Token);
    }
}
