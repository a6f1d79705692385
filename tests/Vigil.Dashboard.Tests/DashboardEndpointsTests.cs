using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class DashboardEndpointsTests(DashboardServer server)
{
    private static HttpRequestMessage Get(string path, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        return request;
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/explore")]
    [InlineData("/alerts")]
    [InlineData("/rules")]
    [InlineData("/targets")]
    [InlineData("/tools")]
    [InlineData("/insights")]
    [InlineData("/optimizations")]
    [InlineData("/profiles")]
    [InlineData("/status")]
    public async Task Page_ForABrowser_ServesTheDashboardWithAContentSecurityPolicy(string path)
    {
        using var r = await server.Http.SendAsync(Get(path, "text/html,application/xhtml+xml,*/*;q=0.8"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/assets/app.js", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", r.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_WithoutHtmlAccept_ListsTheEndpoints()
    {
        using var r = await server.Http.SendAsync(Get("/"));
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        string body = await r.Content.ReadAsStringAsync();
        Assert.Contains("/api/v1/series", body, StringComparison.Ordinal);
        Assert.Contains("/api/v1/status/tsdb", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asset_WithGzip_IsCompressedAndRevalidatedByETag()
    {
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { BaseAddress = server.Server.BaseAddress };
        var request = Get("/assets/app.js");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var r = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/javascript", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["gzip"], r.Content.Headers.ContentEncoding);
        byte[] zipped = await r.Content.ReadAsByteArrayAsync();
        using var unzip = new GZipStream(new MemoryStream(zipped), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await unzip.CopyToAsync(plain);
        string dist = Path.Combine(RepoPaths.Root, "src", "Vigil.Server", "Dashboard", "dist", "app.js");
        Assert.Equal(await File.ReadAllBytesAsync(dist), plain.ToArray());
        Assert.True(zipped.Length < plain.Length / 2, $"gzip {zipped.Length} of {plain.Length} bytes");

        var etag = r.Headers.ETag!;
        var again = Get("/assets/app.js");
        again.Headers.IfNoneMatch.Add(etag);
        using var r2 = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, r2.StatusCode);
        Assert.Empty(await r2.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/assets/missing.js")]
    [InlineData("/assets/index.html")]
    [InlineData("/explore/deeper")]
    [InlineData("/insights/deeper")]
    [InlineData("/flamegraph")]
    public async Task UnknownDashboardPath_Returns404(string path)
    {
        using var r = await server.Http.SendAsync(Get(path, "text/html"));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Fact]
    public async Task Head_ReturnsHeadersWithoutBody()
    {
        using var r = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/assets/app.css"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/css", r.Content.Headers.ContentType?.MediaType);
        Assert.True(r.Content.Headers.ContentLength > 1000);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }
}
