using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// CSRF and DNS-rebinding protection on a plain loopback server without a web configuration (Vigil's default), where
/// a web page in the user's browser used to be able to push data and change the server.
/// </summary>
public sealed class BrowserSafetyTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(new VigilServerOptions
    {
        Listen = TestVigil.Loopback,
        CollectionInterval = TimeSpan.FromHours(1),
        CollectHost = false,
        AllowedHosts = ["vigil.internal"],
    }, _storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private string Own => $"http://127.0.0.1:{_vigil.Server.BaseAddress.Port}";

    private async Task<HttpResponseMessage> PushAsync(string metric, params (string Name, string Value)[] headers)
    {
        // Note: text/plain is what a page may POST cross-origin without a CORS preflight.
        var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/import/prometheus")
        {
            Content = new StringContent(metric + " 1\n", Encoding.UTF8, "text/plain"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await Http.SendAsync(request);
    }

    private bool Stored(string metric) => _storage.AllSeries().Any(s => s.Get("__name__") == metric);

    [Fact]
    public async Task Post_FromAnotherOrigin_403AndNothingStored()
    {
        using var r = await PushAsync("csrf_origin", ("Origin", "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("forbidden", doc.RootElement.GetProperty("errorType").GetString());
        Assert.StartsWith("cross-origin POST refused: Origin http://evil.example is not this server", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(Stored("csrf_origin"));
    }

    [Fact]
    public async Task Post_SecFetchSiteCrossSite_403()
    {
        using var r = await PushAsync("csrf_fetch_site", ("Sec-Fetch-Site", "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.False(Stored("csrf_fetch_site"));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("http://localhost.evil.example")]
    public async Task Post_FromOtherLocalOrigins_403(string origin)
    {
        // Note: another port on the same host is the same site but another origin (any local dev server).
        using var r = await PushAsync("csrf_local", ("Origin", origin), ("Sec-Fetch-Site", "same-site"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task Post_SameOrigin_Accepted()
    {
        using var r = await PushAsync("same_origin_push", ("Origin", Own), ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.True(Stored("same_origin_push"));
    }

    [Fact]
    public async Task Post_WithoutBrowserHeaders_Accepted()
    {
        using var r = await PushAsync("curl_push");
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.True(Stored("curl_push"));
    }

    [Fact]
    public async Task Get_FromAnotherOrigin_StillAnswers()
    {
        // Note: reads change nothing, and without CORS headers the other page cannot read the answer.
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/labels");
        request.Headers.TryAddWithoutValidation("Origin", "http://evil.example");
        using var r = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:9612")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task HostHeader_NotLoopback_403(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/labels");
        request.Headers.Host = host;
        using var r = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Contains("--web.allowed-hosts", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:9612")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]:9612")]
    [InlineData("vigil.internal:443")]
    public async Task HostHeader_LoopbackOrAllowed_Answers(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/labels");
        request.Headers.Host = host;
        using var r = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
