using Vigil.Server.Config;
using Vigil.Collection.Scrape;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Scrape;

/// <summary>HTTPS targets: custom CA, server_name, insecure_skip_verify, client certificates, and clear TLS errors.</summary>
public sealed class ScrapeTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private readonly MemoryStorage _storage = new();
    private MetricsEndpoint _endpoint = null!;
    private ScrapeManager _manager = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await MetricsEndpoint.StartAsync(_certs.Server);
        _endpoint.Set("/metrics", "secure 1\n");
        _manager = new ScrapeManager(_storage, FileSdParser.ReadFile);
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        await _endpoint.DisposeAsync();
        _certs.Dispose();
    }

    private async Task<ScrapeTarget> ScrapeAsync(string tls)
    {
        await _manager.ApplyConfigAsync(VigilConfig.Parse($$"""
            scrape_configs:
              - job_name: tls
                scheme: https
                scrape_interval: 1h
                tls_config: {{tls}}
                static_configs: [{ targets: ['{{_endpoint.Address}}'] }]
            """).ScrapeConfigs);
        await _manager.ScrapeAllNowAsync();
        return Assert.Single(_manager.ActiveTargets());
    }

    [Fact]
    public async Task CaFile_TrustsTheTarget()
    {
        var t = await ScrapeAsync($"{{ ca_file: '{_certs.CaFile}' }}");
        Assert.Equal(string.Empty, t.LastError);
        Assert.Equal(TargetHealth.Up, t.Health);
        Assert.Contains(_storage.AllSeries(), l => l.Name == "secure");
    }

    [Fact]
    public async Task NoCa_FailsWithTlsError()
    {
        var t = await ScrapeAsync("{}");
        Assert.Equal(TargetHealth.Down, t.Health);
        Assert.StartsWith($"Get \"https://{_endpoint.Address}/metrics\": TLS handshake failed: ", t.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerNameMismatch_NamesExpectedName()
    {
        var t = await ScrapeAsync($"{{ ca_file: '{_certs.CaFile}', server_name: other.test }}");
        Assert.Equal(TargetHealth.Down, t.Health);
        Assert.Contains("certificate is not valid for server_name \"other.test\"", t.LastError, StringComparison.Ordinal);
        var ok = await ScrapeAsync($"{{ ca_file: '{_certs.CaFile}', server_name: metrics.test }}");
        Assert.Equal(TargetHealth.Up, ok.Health);
    }

    [Fact]
    public async Task InsecureSkipVerify_AcceptsUntrustedCertificate()
        => Assert.Equal(TargetHealth.Up, (await ScrapeAsync("{ insecure_skip_verify: true }")).Health);

    [Fact]
    public async Task ClientCertificate_IsPresented()
    {
        var t = await ScrapeAsync($"{{ ca_file: '{_certs.CaFile}', cert_file: '{_certs.ClientCertFile}', key_file: '{_certs.ClientKeyFile}' }}");
        Assert.Equal(TargetHealth.Up, t.Health);
        Assert.Equal("CN=vigil-client", _endpoint.Requests.Last().Headers[MetricsEndpoint.ClientCertificateKey]);
    }
}
