using System.Net;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>Every error leaves the server in Prometheus's JSON error envelope with a message; none is an empty 500.</summary>
public sealed class ErrorMiddlewareTests : IAsyncLifetime
{
    private const string SecretDetail = "connection string Password=hunter2 in a stack frame";

    private readonly MemoryStorage _storage = new();
    private readonly ListLogger _log = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(storage: new ThrowingQueries(_storage), loggerFactory: new ListLoggerFactory(_log));

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage r)
    {
        string text = await r.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"HTTP {(int)r.StatusCode} with an empty body");
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("error").GetString()));
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Series_HandlerThrowsUnexpectedly_500JsonInternalWithoutExceptionText()
    {
        using var r = await Http.GetAsync("api/v1/series?match[]=up");

        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        var e = await ErrorAsync(r);
        Assert.Equal("internal", e.GetProperty("errorType").GetString());
        string message = e.GetProperty("error").GetString()!;
        Assert.StartsWith("internal error serving GET /api/v1/series; the server log has the details (request ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", message, StringComparison.Ordinal);
        Assert.Contains(_log.Entries, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains("GET /api/v1/series", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownPath_404Json()
    {
        using var r = await Http.GetAsync("api/v1/no-such-endpoint");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("not_found", (await ErrorAsync(r)).GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task WrongMethod_405JsonNamingTheAllowedMethods()
    {
        using var r = await Http.GetAsync("-/reload");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
        Assert.Equal("GET /-/reload: method not allowed; use POST or PUT", (await ErrorAsync(r)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task MissingDashboardAsset_404Json()
    {
        using var r = await Http.GetAsync("assets/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        await ErrorAsync(r);
    }

    [Fact]
    public async Task Query_StillAnswersOnSuccess()
    {
        using var r = await Http.GetAsync("api/v1/query?query=1");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("""{"status":"success","data":{"resultType":"scalar","result":[""", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Storage whose series queries fail with an exception no handler expects (a bug, in real life).</summary>
    private sealed class ThrowingQueries(MemoryStorage inner) : IStorage
    {
        public long StartTime => inner.StartTime;

        public IAppender Appender() => inner.Appender();

        public IQuerier Querier(long mint, long maxt) => new Throwing(inner.Querier(mint, maxt));

        private sealed class Throwing(IQuerier inner) : IQuerier
        {
            public long MinTime => inner.MinTime;

            public long MaxTime => inner.MaxTime;

            // Note: only selectors with a metric name throw, so the engine's constant queries still work.
            public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
                => matchers.Length > 0 ? throw new InvalidOperationException(SecretDetail) : inner.Select(sortSeries, hints, matchers);

            public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

            public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

            public void Dispose() => inner.Dispose();
        }
    }
}
