using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>A server with one query slot over a day of one-second samples of <c>x</c>, and a signal when a query opens storage.</summary>
public sealed class RunawayQueryServerFixture : IAsyncLifetime
{
    public const long Day = 86_400_000;

    internal SignallingStorage Storage { get; } = new();

    internal VigilServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Counts the queriers opened, so a test knows when the engine has started evaluating.</summary>
    internal sealed class SignallingStorage : IStorage
    {
        private readonly MemoryStorage _inner = new();
        private int _opened;

        public int Opened => Volatile.Read(ref _opened);

        public long StartTime => _inner.StartTime;

        public IAppender Appender() => _inner.Appender();

        public IQuerier Querier(long mint, long maxt)
        {
            Interlocked.Increment(ref _opened);
            return _inner.Querier(mint, maxt);
        }
    }

    public async Task InitializeAsync()
    {
        var app = Storage.Appender();
        var labels = LabelSet.Of("__name__", "x");
        for (long t = 1000; t <= Day; t += 1000)
        {
            app.Append(labels, t, t % 7);
        }
        app.Commit();
        Server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
            QueryMaxConcurrency = 1,
        }, Storage);
        await Server.StartAsync();
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The query of death and the runaway subquery over HTTP: nested input is a 400 <c>bad_data</c> and the server keeps
/// serving; a subquery stops at its timeout with Prometheus's 503 <c>timeout</c> and when its client goes away.
/// </summary>
public sealed class QueryOfDeathTests(RunawayQueryServerFixture fixture) : IClassFixture<RunawayQueryServerFixture>
{
    /// <summary>
    /// Minutes of work in one loop over one series: each of 8,641 steps takes a quantile over a day of samples (the
    /// HTTP bounds are a little wider than the engine's, for a loaded machine).
    /// </summary>
    private const string SlowSubquery = "count_over_time(quantile_over_time(0.5, x[1d])[1d:10s])";

    private const string TooDeep = "parse error: expression exceeds the maximum nesting depth of 1000";

    private HttpClient Http => fixture.Http;

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private static string Chain(string term, string op, int terms) => term + Repeat(" " + op + " " + term, terms - 1);

    public static TheoryData<string, string> DeepQueries => new()
    {
        { "10,000 parentheses", Repeat("(", 10_000) + "1" + Repeat(")", 10_000) },
        { "30,000 parentheses", Repeat("(", 30_000) + "1" + Repeat(")", 30_000) },
        { "100,000 unary minuses", Repeat("-", 100_000) + "x" },
        { "20,000 nested abs(", Repeat("abs(", 20_000) + "x" + Repeat(")", 20_000) },
        { "20,000-term or chain", Chain("x", "or", 20_000) },
        { "20,000-term ^ chain", Chain("x", "^", 20_000) },
        { "50,000-term 1+1 chain", Chain("1", "+", 50_000) },
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage r)
    {
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return (r.StatusCode, doc.RootElement.Clone());
    }

    private static void AssertError(JsonElement body, string errorType, string errorEnd)
    {
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Equal(errorType, body.GetProperty("errorType").GetString());
        string error = body.GetProperty("error").GetString()!;
        Assert.True(error.EndsWith(errorEnd, StringComparison.Ordinal), error);
    }

    private async Task AssertServesAsync()
    {
        using var r = await Http.GetAsync("/api/v1/query?query=1%2B1");
        var (status, body) = await ReadAsync(r);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("2", body.GetProperty("data").GetProperty("result")[1].GetString());
    }

    [Theory]
    [MemberData(nameof(DeepQueries))]
    public async Task PostQuery_DeeplyNested_Returns400BadDataAndServerKeepsServing(string shape, string query)
    {
        using var r = await Http.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", query), new("time", "86400")]));
        var (status, body) = await ReadAsync(r);
        Assert.True(status == HttpStatusCode.BadRequest, shape + ": " + status);
        AssertError(body, "bad_data", TooDeep);
        Assert.StartsWith("invalid parameter \"query\": 1:", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertServesAsync();
    }

    [Theory]
    [InlineData("/api/v1/query_range", "start=0&end=86400&step=60")]
    [InlineData("/api/v1/format_query", "")]
    [InlineData("/api/v1/query_exemplars", "start=0&end=86400")]
    public async Task PostOtherQueryEndpoints_DeeplyNested_Return400BadData(string path, string extra)
    {
        string form = "query=" + Uri.EscapeDataString(Repeat("(", 30_000) + "x" + Repeat(")", 30_000)) + (extra.Length > 0 ? "&" + extra : string.Empty);
        using var r = await Http.PostAsync(path, new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var (status, body) = await ReadAsync(r);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "bad_data", TooDeep);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Query_SlowSubqueryWithOneSecondTimeout_Returns503TimeoutWithinThreeSeconds()
    {
        var sw = Stopwatch.StartNew();
        using var r = await Http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(SlowSubquery) + "&time=86400&timeout=1s");
        var elapsed = sw.Elapsed;
        var (status, body) = await ReadAsync(r);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        AssertError(body, "timeout", "query timed out in expression evaluation");
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"answered after {elapsed.TotalMilliseconds:F0} ms");
    }

    [Theory]
    [InlineData("count_over_time(x[1y:1ms])")]
    [InlineData("count_over_time(x[1d:1ms])")]
    public async Task Query_SubqueryWithMoreStepsThanMaxSamples_Returns422BeforeReadingWithinThreeSeconds(string query)
    {
        var sw = Stopwatch.StartNew();
        using var r = await Http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(query) + "&time=86400&timeout=5s");
        var elapsed = sw.Elapsed;
        var (status, body) = await ReadAsync(r);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "execution", "query processing would load too many samples into memory in query execution");
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"answered after {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Query_ClientGoesAwayDuringSlowSubquery_QueryStopsAndFreesTheOnlySlot()
    {
        int opened = fixture.Storage.Opened;
        using var cts = new CancellationTokenSource();
        var slow = Http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(SlowSubquery) + "&time=86400", cts.Token);
        await Poll.UntilAsync(() => Task.FromResult(fixture.Storage.Opened > opened), () => "the slow query never opened storage");
        await Task.Delay(300);
        Assert.False(slow.IsCompleted, "the slow query should still be running when its client goes away");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

        // Note: the server has one query slot; the next query gets it only once the abandoned one has stopped.
        var sw = Stopwatch.StartNew();
        await AssertServesAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"the next query waited {sw.Elapsed.TotalMilliseconds:F0} ms for the slot");
    }
}
