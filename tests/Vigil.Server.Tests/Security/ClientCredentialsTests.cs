using System.Net;
using Vigil.Cli;
using Vigil.Core.Labels;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>The clients of a server with TLS and authentication: the CLI, the SDK's pusher, Vigil's and Prometheus's scrapers.</summary>
public sealed class ClientCredentialsTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private SecureVigil _vigil = null!;

    public async Task InitializeAsync()
    {
        var app = _storage.Appender();
        var labels = LabelSet.Of("__name__", "cli_answer", "job", "t");
        var reference = Vigil.Core.Storage.SeriesRef.None;
        Assert.True(app.TryAppend(ref reference, labels, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000, 42, out _));
        app.Commit();
        _vigil = await SecureVigil.StartAsync(_storage);
    }

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private string Url => $"https://127.0.0.1:{_vigil.BaseAddress.Port}";

    private string AuthFile(string content)
    {
        string file = Path.Combine(_vigil.Directory, "cli-auth-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, content + "\n");
        return file;
    }

    private async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(_storage), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task CliQuery_HttpsWithBasicAuthFile_PrintsTheValue()
    {
        var (code, output, error) = await CliAsync("query", "cli_answer", "--server", Url, "--auth-file", AuthFile("reader:reader-secret"), "--tls-ca", _vigil.Certificates.CaFile);
        Assert.True(code == 0, error);
        Assert.Contains("cli_answer{job=\"t\"}", output, StringComparison.Ordinal);
        Assert.Contains("42", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliSeries_BearerTokenFile_Lists()
    {
        var (code, output, error) = await CliAsync("series", "--match", "cli_answer", "--server", Url, "--auth-file", AuthFile("read-token-0123456789abcdef"), "--tls-ca", _vigil.Certificates.CaFile);
        Assert.True(code == 0, error);
        Assert.Equal("cli_answer{job=\"t\"}", output.Trim());
    }

    [Fact]
    public async Task CliQuery_WithoutCredentials_SaysWhichFlagToGive()
    {
        var (code, _, error) = await CliAsync("query", "cli_answer", "--server", Url, "--tls-ca", _vigil.Certificates.CaFile);
        Assert.Equal(1, code);
        Assert.Contains("answered 401 Unauthorized", error, StringComparison.Ordinal);
        Assert.Contains("give --auth-file FILE or set VIGIL_TOKEN", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliQuery_UntrustedCertificate_Fails()
    {
        var (code, _, error) = await CliAsync("query", "cli_answer", "--server", Url, "--auth-file", AuthFile("reader:reader-secret"));
        Assert.Equal(1, code);
        Assert.Contains("cannot reach", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliQuery_InsecureSkipVerify_Answers()
    {
        var (code, output, error) = await CliAsync("query", "cli_answer", "--server", Url, "--auth-file", AuthFile("reader:reader-secret"), "--insecure-skip-verify");
        Assert.True(code == 0, error);
        Assert.Contains("42", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliProcess_VigilTokenVariable_Authenticates()
    {
        using var vigil = VigilProcess.Start(_vigil.Directory, new Dictionary<string, string> { ["VIGIL_TOKEN"] = "read-token-0123456789abcdef" },
            "query", "cli_answer", "--server", Url, "--tls-ca", _vigil.Certificates.CaFile, "--output", "json");
        Assert.True(await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, vigil.Stderr);
        Assert.Contains("\"42\"", vigil.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SdkPusher_WriteTokenOverTls_Stored()
    {
        using var profiler = new ToolProfiler();
        profiler.Run("sdk-push-tool", run => run.CacheMiss(1));
        await using var pusher = new VigilMetricsPusher(new VigilMetrics(profiler), _vigil.BaseAddress, labels: new Dictionary<string, string> { ["job"] = "sdk-auth" },
            credentials: VigilServerCredentials.Bearer("write-token-0123456789abcdef"), tls: new VigilTlsOptions { CaFile = _vigil.Certificates.CaFile });

        Assert.True(await pusher.PushAsync(), pusher.LastError);
        Assert.Contains(_storage.AllSeries(), s => s.Get("job") == "sdk-auth");
    }

    [Fact]
    public async Task SdkPusher_ReadOnlyUser_FailsWith403()
    {
        using var profiler = new ToolProfiler();
        await using var pusher = new VigilMetricsPusher(new VigilMetrics(profiler), _vigil.BaseAddress,
            credentials: VigilServerCredentials.Basic("reader", "reader-secret"), tls: new VigilTlsOptions { CaFile = _vigil.Certificates.CaFile });

        Assert.False(await pusher.PushAsync());
        Assert.Contains("403", pusher.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VigilScrape_OtherVigilOverTlsWithBasicAuth_Up()
    {
        string config = Path.Combine(_vigil.Directory, "scraper.yml");
        await File.WriteAllTextAsync(config, $$"""
            scrape_configs:
              - job_name: secure-vigil
                scrape_interval: 1s
                scheme: https
                basic_auth: { username: reader, password: reader-secret }
                tls_config: { ca_file: {{_vigil.Certificates.CaFile}} }
                static_configs:
                  - targets: ['127.0.0.1:{{_vigil.BaseAddress.Port}}']
            """);
        var scraperStorage = new MemoryStorage();
        await using var scraper = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            ScrapeConfigs = Vigil.Server.Config.VigilConfig.Load(config).ScrapeConfigs,
        }, scraperStorage);
        await scraper.StartAsync();

        await Poll.UntilAsync(() => Task.FromResult(scraperStorage.AllSeries().Any(s => s.Get("job") == "secure-vigil" && s.Get("__name__") == "vigil_http_requests_total")));
        var up = scraperStorage.AllSeries().Single(s => s.Get("job") == "secure-vigil" && s.Get("__name__") == "up");
        Assert.Equal(1, scraperStorage.SamplesOf(up)[^1].V);
    }

    [Fact]
    public async Task Prometheus_ScrapesVigilOverTlsWithBasicAuth_Up()
    {
        await using var prometheus = await ExporterProcess.StartPrometheusWithConfigAsync($$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: vigil
                scheme: https
                basic_auth: { username: reader, password: reader-secret }
                tls_config: { ca_file: {{_vigil.Certificates.CaFile}} }
                static_configs:
                  - targets: ['127.0.0.1:{{_vigil.BaseAddress.Port}}']
            """);
        using var http = new HttpClient { BaseAddress = prometheus.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        string last = string.Empty;
        await Poll.UntilAsync(async () =>
        {
            last = await http.GetStringAsync("api/v1/query?query=up%7Bjob%3D%22vigil%22%7D%20%3D%3D%201");
            return last.Contains("\"job\":\"vigil\"", StringComparison.Ordinal);
        }, () => last, TimeSpan.FromSeconds(60));
        // Note: Vigil counts a /metrics request once it is answered, so the next scrape carries the first one.
        await Poll.UntilAsync(async () =>
        {
            last = await http.GetStringAsync("api/v1/query?query=vigil_http_requests_total%7Bjob%3D%22vigil%22%2Chandler%3D%22%2Fmetrics%22%2Ccode%3D%22200%22%7D");
            return last.Contains("\"handler\":\"/metrics\"", StringComparison.Ordinal);
        }, () => last, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Prometheus_WrongPassword_TargetDownWith401()
    {
        await using var prometheus = await ExporterProcess.StartPrometheusWithConfigAsync($$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: vigil
                scheme: https
                basic_auth: { username: reader, password: wrong }
                tls_config: { ca_file: {{_vigil.Certificates.CaFile}} }
                static_configs:
                  - targets: ['127.0.0.1:{{_vigil.BaseAddress.Port}}']
            """);
        using var http = new HttpClient { BaseAddress = prometheus.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        string last = string.Empty;
        await Poll.UntilAsync(async () =>
        {
            last = await http.GetStringAsync("api/v1/targets");
            return last.Contains("401", StringComparison.Ordinal);
        }, () => last, TimeSpan.FromSeconds(60));
        Assert.Contains("\"health\":\"down\"", last, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthFile_UserColonPasswordOrToken_ReadAsBasicOrBearer()
    {
        Assert.Equal("basic auth as reader", VigilServerCredentials.FromFile(AuthFile("reader:pa:ss")).Description);
        Assert.Equal("Basic", VigilServerCredentials.FromFile(AuthFile("reader:pa:ss")).ToHeader().Scheme);
        Assert.Equal("cmVhZGVyOnBhOnNz", VigilServerCredentials.FromFile(AuthFile("reader:pa:ss")).ToHeader().Parameter);
        Assert.Equal("Bearer", VigilServerCredentials.FromFile(AuthFile("  abc123  ")).ToHeader().Scheme);
        Assert.Equal("abc123", VigilServerCredentials.FromFile(AuthFile("  abc123  ")).ToHeader().Parameter);
        Assert.Throws<FormatException>(() => VigilServerCredentials.FromFile(AuthFile("")));
    }

    [Fact]
    public async Task HttpClient_NotHttps_RefusedByTlsListener()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync($"http://127.0.0.1:{_vigil.BaseAddress.Port}/api/v1/labels"));
        Assert.Equal(HttpStatusCode.OK, (await _vigil.Client("alice:alice-secret").GetAsync("api/v1/labels")).StatusCode);
    }
}
