using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors.Probe;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

public sealed class ProbeCollectorTests
{
    private static ProbeCollector Collector(params ProbeCollectorOptions[] options)
        => new(options, NullLogger.Instance, background: false);

    private static CapturingAppender CollectOnce(ProbeCollector c)
    {
        var app = new CapturingAppender();
        c.Collect(app, 1_000);
        return app;
    }

    private static Task HelloAsync(HttpContext ctx)
    {
        if (ctx.Request.Path == "/missing")
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        ctx.Response.ContentType = "text/plain";
        ctx.Response.ContentLength = 6;
        return ctx.Response.WriteAsync("hello\n");
    }

    [Fact]
    public async Task Tcp_OpenPort_SucceedsAndCountsEveryProbeInTheHistogram()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string target = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        using var c = Collector(new ProbeCollectorOptions { Tcp = target });
        for (int i = 0; i < 3; i++)
        {
            await c.RefreshAllAsync();
        }
        var app = CollectOnce(c);
        string[] l = ["module", "tcp", "target", target];
        Assert.Equal(1, app.Value("probe_success", l));
        Assert.Equal(3, app.Value("probe_duration_seconds_count", l));
        Assert.Equal(3, app.Value("probe_duration_seconds_bucket", [.. l, "le", "+Inf"]));
        Assert.Equal(3, app.Value("probe_duration_seconds_bucket", [.. l, "le", "10"]));
        double sum = app.Value("probe_duration_seconds_sum", l);
        Assert.InRange(sum, 1e-7, 3 * 5.0);
        Assert.Equal(4, app.Value("probe_ip_protocol", l));
        Assert.Equal(0, app.Value("probe_dns_lookup_time_seconds", l));
        // Buckets are cumulative and never decrease.
        var buckets = app.Find("probe_duration_seconds_bucket", l).Select(s => s.V).ToList();
        Assert.Equal(12, buckets.Count);
        Assert.Equal(buckets.Order(), buckets);
    }

    [Fact]
    public async Task Tcp_ClosedPort_FailsWithRefusedAndObservesNothing()
    {
        string target = "127.0.0.1:" + Processes.FreePort().ToString(CultureInfo.InvariantCulture);
        using var c = Collector(new ProbeCollectorOptions { Tcp = target });
        await c.RefreshAllAsync();
        var app = CollectOnce(c);
        Assert.Equal(0, app.Value("probe_success", "module", "tcp", "target", target));
        Assert.Equal(0, app.Value("probe_duration_seconds_count", "module", "tcp", "target", target));
        Assert.Contains("refused", c.Targets[0].Last!.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Http_PlainKestrel_ReportsStatusLengthAndSuccess()
    {
        await using var server = await TestWebServer.StartAsync(HelloAsync);
        string ok = server.BaseAddress + "hello";
        string missing = server.BaseAddress + "missing";
        using var c = Collector(
            new ProbeCollectorOptions { Http = ok },
            new ProbeCollectorOptions { Http = missing },
            new ProbeCollectorOptions { Http = missing, ValidStatusCodes = [404] });
        await c.RefreshAllAsync();
        var app = CollectOnce(c);
        Assert.Equal(1, app.Value("probe_success", "target", ok));
        Assert.Equal(200, app.Value("probe_http_status_code", "target", ok));
        Assert.Equal(6, app.Value("probe_http_content_length", "target", ok));
        Assert.Equal(0, app.Value("probe_http_ssl", "target", ok));
        Assert.Equal(4, app.Value("probe_ip_protocol", "target", ok));
        Assert.Equal(1, app.Value("probe_duration_seconds_count", "target", ok));
        Assert.Empty(app.Find("probe_ssl_earliest_cert_expiry"));

        var notFound = app.Find("probe_success", "target", missing).Select(s => s.V).Order().ToList();
        Assert.Equal([0.0, 1.0], notFound); // invalid by default, valid when 404 is listed
        Assert.All(app.Find("probe_http_status_code", "target", missing), s => Assert.Equal(404, s.V));
        Assert.Contains("404", c.Targets[1].Last!.Error);
    }

    [Fact]
    public async Task Https_SelfSignedCertificate_ExpiryReportedAndTrustDecidesSuccess()
    {
        var notAfter = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds());
        using var cert = TestWebServer.SelfSignedCertificate(notAfter);
        await using var server = await TestWebServer.StartAsync(HelloAsync, cert);
        string url = server.BaseAddress + "hello";
        Assert.StartsWith("https://127.0.0.1:", url);
        string caFile = Path.Combine(Path.GetTempPath(), $"vigil-probe-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(caFile, cert.ExportCertificatePem());
        try
        {
            using var strict = Collector(new ProbeCollectorOptions { Http = url });
            using var skip = Collector(new ProbeCollectorOptions { Http = url, InsecureSkipVerify = true });
            using var custom = Collector(new ProbeCollectorOptions { Http = url, CaFile = caFile });
            await Task.WhenAll(strict.RefreshAllAsync(), skip.RefreshAllAsync(), custom.RefreshAllAsync());

            var s = CollectOnce(strict);
            Assert.Equal(0, s.Value("probe_success"));
            Assert.Equal(0, s.Value("probe_http_status_code"));
            Assert.Equal(notAfter.ToUnixTimeSeconds(), s.Value("probe_ssl_earliest_cert_expiry"));
            Assert.Contains("certificate", strict.Targets[0].Last!.Error, StringComparison.OrdinalIgnoreCase);

            foreach (var trusted in new[] { skip, custom })
            {
                var a = CollectOnce(trusted);
                Assert.Equal(1, a.Value("probe_success"));
                Assert.Equal(200, a.Value("probe_http_status_code"));
                Assert.Equal(1, a.Value("probe_http_ssl"));
                Assert.Equal(notAfter.ToUnixTimeSeconds(), a.Value("probe_ssl_earliest_cert_expiry"));
            }
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public async Task Http_ServerThatNeverAnswers_TimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync(); // accepts, then never writes a byte
        string url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/";
        using var c = Collector(new ProbeCollectorOptions { Http = url, Timeout = TimeSpan.FromMilliseconds(300), Interval = TimeSpan.FromSeconds(1) });
        var started = DateTime.UtcNow;
        await c.RefreshAllAsync();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal(0, CollectOnce(c).Value("probe_success"));
        Assert.Contains("timed out after 300ms", c.Targets[0].Last!.Error);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task Dns_LocalhostResolvesAndInvalidNameFails()
    {
        using var c = Collector(new ProbeCollectorOptions { Dns = "localhost" }, new ProbeCollectorOptions { Dns = "vigil-does-not-exist.invalid" });
        await c.RefreshAllAsync();
        var app = CollectOnce(c);
        Assert.Equal(1, app.Value("probe_success", "module", "dns", "target", "localhost"));
        Assert.True(app.Value("probe_dns_answer_rrs", "target", "localhost") >= 1);
        Assert.True(app.Value("probe_dns_lookup_time_seconds", "target", "localhost") > 0);
        Assert.Equal(0, app.Value("probe_success", "module", "dns", "target", "vigil-does-not-exist.invalid"));
        Assert.Empty(app.Find("probe_dns_answer_rrs", "target", "vigil-does-not-exist.invalid"));
    }

    [Fact]
    public void Collect_BeforeFirstProbe_WritesNothing()
    {
        using var c = Collector(new ProbeCollectorOptions { Dns = "localhost" });
        Assert.Empty(CollectOnce(c).Samples);
    }

    [Theory]
    [InlineData(null, null, "collectors.probe[1]: one of tcp, http or dns is required")]
    [InlineData("localhost:80", "http://x/", "collectors.probe[1]: set only one of tcp, http or dns per probe")]
    [InlineData("localhost", null, "collectors.probe[1]: tcp: \"localhost\" is not host:port")]
    [InlineData("localhost:70000", null, "collectors.probe[1]: tcp: \"localhost:70000\" is not host:port")]
    [InlineData(null, "ftp://x/", "collectors.probe[1]: http: \"ftp://x/\" is not an absolute http:// or https:// URL")]
    public void Constructor_InvalidEntry_NamesEntryAndKey(string? tcp, string? http, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new ProbeCollectorOptions { Dns = "localhost" }, new ProbeCollectorOptions { Tcp = tcp, Http = http }));
        Assert.StartsWith(expected, ex.Message);
    }

    [Fact]
    public void Constructor_TimeoutLongerThanInterval_Fails()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new ProbeCollectorOptions { Dns = "localhost", Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(10) }));
        Assert.StartsWith("collectors.probe[0]: timeout: must be positive and at most the interval", ex.Message);
    }

    [Fact]
    public void Constructor_MissingCaFile_NamesTheFile()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new ProbeCollectorOptions { Http = "https://localhost/", CaFile = "/nonexistent/vigil-ca.pem" }));
        Assert.StartsWith("collectors.probe[0]: ca_file: cannot load /nonexistent/vigil-ca.pem", ex.Message);
    }

    [Fact]
    public async Task Background_InVigilServer_StoresProbeSeriesWithTargetLabels()
    {
        await using var server = await TestWebServer.StartAsync(HelloAsync);
        string url = server.BaseAddress + "hello";
        string closed = "127.0.0.1:" + Processes.FreePort().ToString(CultureInfo.InvariantCulture);
        using var probes = new ProbeCollector(
            [new ProbeCollectorOptions { Http = url, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(200) },
             new ProbeCollectorOptions { Tcp = closed, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(200) }],
            NullLogger.Instance);
        await using var h = await CollectorHarness.StartAsync(probes);
        await h.CollectUntilAsync(() => h.Value("probe_duration_seconds_count", "target", url) >= 3, TimeSpan.FromSeconds(20),
            () => $"count {h.Value("probe_duration_seconds_count", "target", url)}");
        Assert.Equal(1, h.Value("probe_success", "job", "vigil", "instance", "test-host", "module", "http", "target", url));
        Assert.Equal(0, h.Value("probe_success", "module", "tcp", "target", closed));
    }
}
