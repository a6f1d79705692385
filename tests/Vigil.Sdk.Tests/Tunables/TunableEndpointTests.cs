using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.Tunables;

/// <summary>docs/TUNABLES.md served by the standalone listener, over real HTTP.</summary>
public sealed class TunableEndpointTests : IAsyncLifetime
{
    private readonly TunableRegistry _registry = new("Test.Tunables." + Guid.NewGuid().ToString("N"));
    private IntegerTunable _pool = null!;
    private NumberTunable _ratio = null!;
    private EnumTunable _eviction = null!;
    private VigilHttpListener _listener = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _pool = _registry.AddInteger("pool_size", 8, min: 1, max: 64, description: "workers in front of the downstream", unit: "workers");
        _ratio = _registry.AddNumber("sample_ratio", 0.5, min: 0, max: 1);
        _eviction = _registry.AddEnum("eviction", "lru", ["lru", "lfu", "fifo"], description: "cache eviction");
        var endpoint = new VigilEndpoint(new VigilMetrics());
        endpoint.ServeTunables(_registry, "s3cret");
        _listener = VigilHttpListener.Start(endpoint, port: 0, IPAddress.Loopback);
        _http = Client(_listener, "s3cret");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _listener.DisposeAsync();
        _registry.Dispose();
    }

    [Fact]
    public async Task GetList_EveryTunableInRegistrationOrder()
    {
        using var response = await _http.GetAsync(new Uri("vigil/tunables", UriKind.Relative));
        string json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(
            "[{\"name\":\"pool_size\",\"kind\":\"integer\",\"value\":8,\"min\":1,\"max\":64,\"description\":\"workers in front of the downstream\",\"unit\":\"workers\"}," +
            "{\"name\":\"sample_ratio\",\"kind\":\"number\",\"value\":0.5,\"min\":0,\"max\":1,\"description\":\"\",\"unit\":\"\"}," +
            "{\"name\":\"eviction\",\"kind\":\"enum\",\"value\":\"lru\",\"min\":null,\"max\":null,\"values\":[\"lru\",\"lfu\",\"fifo\"],\"description\":\"cache eviction\",\"unit\":\"\"}]",
            json);
    }

    [Fact]
    public async Task Put_ValidValue_AppliedAndReadBack()
    {
        using var put = await PutAsync("pool_size", "{\"value\": 12}");
        string answer = await put.Content.ReadAsStringAsync();
        string again = await _http.GetStringAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(12, Value(answer).GetInt64());
        Assert.Equal(answer, again);
        Assert.Equal(12, _pool.Value);
        using var same = await PutAsync("pool_size", "{\"value\": 12}");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(1, _pool.Changes);
        using var ratio = await PutAsync("sample_ratio", "{\"value\": 0.125}");
        Assert.Equal(0.125, Value(await ratio.Content.ReadAsStringAsync()).GetDouble());
        using var eviction = await PutAsync("eviction", "{\"value\": \"fifo\"}");
        Assert.Equal("fifo", Value(await eviction.Content.ReadAsStringAsync()).GetString());
        Assert.Equal("fifo", _eviction.Value);
    }

    [Theory]
    [InlineData("pool_size", "{\"value\": 65}", "tunable pool_size: 65 is outside [1, 64]")]
    [InlineData("pool_size", "{\"value\": 0}", "tunable pool_size: 0 is outside [1, 64]")]
    [InlineData("pool_size", "{\"value\": 8.5}", "tunable pool_size is an integer; got 8.5")]
    [InlineData("pool_size", "{\"value\": \"9\"}", "tunable pool_size is an integer; got the string \"9\"")]
    [InlineData("pool_size", "{\"size\": 9}", "tunable pool_size: the body must be a JSON object {\"value\": V}")]
    [InlineData("sample_ratio", "{\"value\": 1.5}", "tunable sample_ratio: 1.5 is outside [0, 1]")]
    [InlineData("eviction", "{\"value\": \"random\"}", "tunable eviction: \"random\" is not one of lru, lfu, fifo")]
    [InlineData("eviction", "{\"value\": 2}", "tunable eviction is an enum; got the number 2")]
    public async Task Put_InvalidValue_400AndNothingChanged(string name, string body, string error)
    {
        using var response = await PutAsync(name, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(8, _pool.Value);
        Assert.Equal(0.5, _ratio.Value);
        Assert.Equal("lru", _eviction.Value);
    }

    [Fact]
    public async Task Put_NotJson_400NamingTheTunable()
    {
        using var response = await PutAsync("pool_size", "{value: 3");
        string error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("tunable pool_size: the body is not JSON:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_IntegralDouble_AcceptedAsTheInteger()
    {
        using var response = await PutAsync("pool_size", "{\"value\": 16.0}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(16, _pool.Value);
    }

    [Fact]
    public async Task UnknownName_404()
    {
        using var get = await _http.GetAsync(new Uri("vigil/tunables/threads", UriKind.Relative));
        using var put = await PutAsync("threads", "{\"value\": 1}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("{\"error\":\"no tunable named \\u0022threads\\u0022\"}", await get.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("Basic czNjcmV0")]
    [InlineData("Bearer s3cret-and-more")]
    public async Task MissingOrWrongToken_401WithChallenge_ReadsToo(string? authorization)
    {
        using var http = new HttpClient { BaseAddress = _listener.BaseAddress };
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        using var get = await http.GetAsync(new Uri("vigil/tunables", UriKind.Relative));
        using var put = await http.PutAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative), new StringContent("{\"value\": 2}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        Assert.Equal("Bearer", get.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Equal(8, _pool.Value);
    }

    [Fact]
    public async Task BeyondLoopbackWithoutToken_PutIs403_GetStillWorks()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 8, 1, 64);
        var endpoint = new VigilEndpoint(new VigilMetrics());
        endpoint.ServeTunables(registry);
        // Note: bound to every interface (beyond loopback), reached through 127.0.0.1.
        await using var listener = VigilHttpListener.Start(endpoint, port: 0, IPAddress.Any);
        using var http = Client(listener, token: null);

        using var get = await http.GetAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative));
        using var put = await http.PutAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative), new StringContent("{\"value\": 2}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Contains("listens beyond loopback and has no tunables token", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(8, pool.Value);
    }

    [Fact]
    public async Task LoopbackWithoutToken_PutAllowed()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 8, 1, 64);
        var endpoint = new VigilEndpoint(new VigilMetrics());
        endpoint.ServeTunables(registry);
        await using var listener = VigilHttpListener.Start(endpoint, port: 0, IPAddress.Loopback);
        using var http = Client(listener, token: null);

        using var put = await http.PutAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative), new StringContent("{\"value\": 2}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, pool.Value);
    }

    [Fact]
    public async Task Put_ApplicationRefuses_400ForArgumentErrors_500ForFailures_ValueUnchanged()
    {
        _registry.AddInteger("threads", 4, 1, 100, onChanged: v =>
        {
            if (v == 13)
            {
                throw new ArgumentException("13 threads are unlucky");
            }
            if (v == 99)
            {
                throw new IOException("pool resize failed");
            }
        });

        using var refused = await PutAsync("threads", "{\"value\": 13}");
        using var failed = await PutAsync("threads", "{\"value\": 99}");
        string after = await _http.GetStringAsync(new Uri("vigil/tunables/threads", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("the application refused 13: 13 threads are unlucky", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("setting 99 failed: IOException: pool resize failed", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(4, Value(after).GetInt64());
    }

    [Fact]
    public async Task MethodsOtherThanGetAndPut_405()
    {
        using var delete = await _http.DeleteAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative));
        using var putList = await _http.PutAsync(new Uri("vigil/tunables", UriKind.Relative), new StringContent("[]"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, putList.StatusCode);
    }

    [Fact]
    public async Task EscapedName_Found()
    {
        _registry.AddInteger("cache.max-items", 100, 1, 1000);
        string json = await _http.GetStringAsync(new Uri("vigil/tunables/cache%2Emax-items", UriKind.Relative));
        Assert.Equal(100, Value(json).GetInt64());
    }

    [Fact]
    public async Task Metrics_ShowTheValueInForce()
    {
        using var put = await PutAsync("pool_size", "{\"value\": 20}");
        string metrics = await _http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Contains("vigil_tunable_value{tunable=\"pool_size\"} 20\n", metrics, StringComparison.Ordinal);
        Assert.Contains("vigil_tunable_state{tunable=\"eviction\",value=\"lru\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointWithoutTunables_404()
    {
        await using var listener = VigilHttpListener.Start(new VigilEndpoint(new VigilMetrics()), port: 0, IPAddress.Loopback);
        using var http = Client(listener, null);
        using var response = await http.GetAsync(new Uri("vigil/tunables", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("serves no tunables", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void ServeTunables_Twice_ClearError()
    {
        var endpoint = new VigilEndpoint(new VigilMetrics());
        endpoint.ServeTunables(_registry);
        Assert.Throws<InvalidOperationException>(() => endpoint.ServeTunables(_registry));
        Assert.Throws<ArgumentException>(() => new TunableEndpoint(_registry, "  "));
    }

    private static HttpClient Client(VigilHttpListener listener, string? token)
    {
        var http = new HttpClient { BaseAddress = listener.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private Task<HttpResponseMessage> PutAsync(string name, string body)
        => _http.PutAsync(new Uri("vigil/tunables/" + name, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

    private static JsonElement Value(string json) => JsonDocument.Parse(json).RootElement.GetProperty("value").Clone();
}
