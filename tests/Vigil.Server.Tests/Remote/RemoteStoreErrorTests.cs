using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Collection.Remote;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Remote;

/// <summary>
/// A remote store that is down, refuses, fails, stalls or answers with garbage: every query endpoint answers with a
/// Prometheus-shaped error naming the store and the cause, in bounded time and memory.
/// </summary>
public sealed class RemoteStoreErrorTests : IDisposable
{
    private static readonly string[] Paths =
    [
        "api/v1/query?query=up",
        "api/v1/query_range?query=rate(up[1m])&start=1700000000&end=1700000600&step=60",
        "api/v1/series?match[]=up",
        "api/v1/labels",
        "api/v1/label/job/values",
    ];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    private async Task<List<(HttpStatusCode Status, string ErrorType, string Error)>> AskAllAsync(RemoteStoreOptions options)
    {
        using var storage = new RemoteStorage(options);
        await using var server = await RemoteStoreApiTests.StartVigilAsync(storage);
        var answers = new List<(HttpStatusCode, string, string)>();
        foreach (string path in Paths)
        {
            using var response = await _http.GetAsync(new Uri(server.BaseAddress, path));
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var root = JsonDocument.Parse(body).RootElement;
            Assert.Equal("error", root.GetProperty("status").GetString());
            answers.Add((response.StatusCode, root.GetProperty("errorType").GetString()!, root.GetProperty("error").GetString()!));
        }
        return answers;
    }

    [Fact]
    public async Task Query_RemoteDown_503UnavailableWithConnectionRefused()
    {
        var url = new Uri($"http://127.0.0.1:{Processes.FreePort()}/");
        foreach (var (status, type, error) in await AskAllAsync(new RemoteStoreOptions { Url = url }))
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (status, type));
            Assert.StartsWith($"remote store {url} is unreachable (POST /api/v1/", error, StringComparison.Ordinal);
            Assert.EndsWith("): connection refused", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Query_RemoteRefusesWith400_400BadDataWithItsMessage()
    {
        await using var remote = await TestWebServer.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"status":"error","errorType":"bad_data","error":"cannot parse \"up\": too many series"}""");
        });
        foreach (var (status, type, error) in await AskAllAsync(new RemoteStoreOptions { Url = remote.BaseAddress }))
        {
            Assert.Equal((HttpStatusCode.BadRequest, "bad_data"), (status, type));
            Assert.Equal($"remote store {remote.BaseAddress} answered HTTP 400 bad_data: cannot parse \"up\": too many series", error);
        }
    }

    [Fact]
    public async Task Query_RemoteFailsWithEmpty500_503UnavailableSayingSo()
    {
        await using var remote = await TestWebServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        foreach (var (status, type, error) in await AskAllAsync(new RemoteStoreOptions { Url = remote.BaseAddress }))
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (status, type));
            Assert.Matches(@"^remote store http://127\.0\.0\.1:\d+/ answered api/v1/[a-z_/]+ with HTTP 500: empty body$", error);
        }
    }

    [Fact]
    public async Task Query_RemoteStalls_503TimeoutWithinTheConfiguredTimeout()
    {
        await using var remote = await TestWebServer.StartAsync(async ctx => await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted));
        var started = DateTime.UtcNow;
        foreach (var (status, type, error) in await AskAllAsync(new RemoteStoreOptions { Url = remote.BaseAddress, Timeout = TimeSpan.FromMilliseconds(500) }))
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "timeout"), (status, type));
            Assert.Matches(@"^remote store http://127\.0\.0\.1:\d+/ did not answer POST /api/v1/[a-z_/]+ within 500ms$", error);
        }
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "five requests with a 500 ms timeout took " + (DateTime.UtcNow - started));
    }

    [Theory]
    [InlineData("{not json", "with invalid JSON")]
    [InlineData("[1,2,3]", "with JSON that is not a Prometheus API response")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}}""", "label \"a\" whose value is not a string")]
    [InlineData("""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[2,"1"],[1,"2"]]}]}}""", "samples out of time order")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}""", "a value that is not a number: \"x\"")]
    public async Task Query_RemoteAnswersGarbage_502NamingWhatIsWrong(string body, string expected)
    {
        await using var remote = await TestWebServer.StartAsync(async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(body);
        });
        using var storage = new RemoteStorage(new RemoteStoreOptions { Url = remote.BaseAddress });
        await using var server = await RemoteStoreApiTests.StartVigilAsync(storage);
        using var response = await _http.GetAsync(new Uri(server.BaseAddress, "api/v1/query?query=up"));
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((HttpStatusCode.BadGateway, "internal"), (response.StatusCode, root.GetProperty("errorType").GetString()));
        Assert.Contains(expected, root.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Query_RemoteAnswersEndlessBody_502AfterTheSizeLimit(bool declareLength)
    {
        // A raw socket, not Kestrel: Kestrel turns writes after the peer hung up into silent no-ops, so only a socket
        // shows how much the remote could send before Vigil stopped reading. (A process-wide allocation count would
        // also see every test running beside this one.)
        const long endless = 1L << 30;
        var sentPerAnswer = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                System.Net.Sockets.TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using var _ = client;
                    sentPerAnswer.Enqueue(await AnswerEndlesslyAsync(client.GetStream(), declareLength, endless, stop.Token));
                });
            }
        });
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        foreach (var (status, type, error) in await AskAllAsync(new RemoteStoreOptions { Url = url, MaxResponseBytes = 1 << 20 }))
        {
            Assert.Equal((HttpStatusCode.BadGateway, "internal"), (status, type));
            Assert.Equal($"remote store {url} answered with more than 1048576 bytes (storage.remote.max_response_size); narrow the query", error);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (sentPerAnswer.Count < Paths.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await acceptLoop;
        Assert.True(sentPerAnswer.Count >= Paths.Length, $"{sentPerAnswer.Count} of {Paths.Length} answers ended");
        foreach (long sent in sentPerAnswer)
        {
            // Socket buffers on both ends hold a few MiB at most; reading on would have taken the whole GiB.
            Assert.True(sent < 64L << 20, $"the remote sent {sent} bytes before Vigil hung up (limit 1 MiB)");
        }
    }

    /// <summary>Reads one request's head and answers it with a body that does not end; returns the bytes sent.</summary>
    private static async Task<long> AnswerEndlesslyAsync(Stream stream, bool declareLength, long endless, CancellationToken cancel)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await stream.ReadAsync(one, cancel) == 0)
            {
                return 0;
            }
            head.Add(one[0]);
        }
        string length = declareLength ? $"Content-Length: {1L << 40}\r\n" : "";
        var chunk = new byte[64 << 10];
        Array.Fill(chunk, (byte)' ');
        long sent = 0;
        try
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n{length}\r\n{{\"status\":\"success\",\"data\":"), cancel);
            for (; sent < endless; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, cancel);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // Vigil hung up, as it should.
        }
        return sent;
    }
}
