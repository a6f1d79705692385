using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Server.Security;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>Listening beyond loopback needs authentication, or an explicit <c>--web.insecure-listen</c> that is warned about.</summary>
public sealed class InsecureListenTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-listen-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("")]
    public async Task Start_AllInterfacesWithoutAuthentication_RefusedNamingTheFlags(string host)
    {
        await using var server = new VigilServer(new VigilServerOptions { Listen = new ListenAddress(host, 0), CollectHost = false }, new MemoryStorage());

        var e = await Assert.ThrowsAsync<InsecureListenException>(() => server.StartAsync());

        Assert.StartsWith($"refusing to listen on {new ListenAddress(host, 0)} without authentication", e.Message, StringComparison.Ordinal);
        Assert.Contains("--web.config.file FILE", e.Message, StringComparison.Ordinal);
        Assert.Contains("--web.insecure-listen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AllInterfacesWithInsecureListen_StartsWarnsAndStatusSaysSo()
    {
        var log = new ListLogger();
        await using var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("0.0.0.0", 0),
            CollectHost = false,
            InsecureListen = true,
        }, new MemoryStorage(), new ListLoggerFactory(log));
        await server.StartAsync();

        Assert.Contains(log.Entries, l => l.Level == LogLevel.Warning && l.Message.StartsWith("Vigil listens on 0.0.0.0:0 without authentication (--web.insecure-listen)", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.BaseAddress.Port}/") };
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/status/security"));
        Assert.True(doc.RootElement.GetProperty("data").GetProperty("insecureListen").GetBoolean());
        Assert.Contains("without authentication", doc.RootElement.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AllInterfacesWithBasicAuth_Starts()
    {
        await using var vigil = await SecureVigil.StartAsync(new MemoryStorage(), configure: o => new VigilServerOptions
        {
            Listen = new ListenAddress("0.0.0.0", 0),
            CollectHost = false,
            WebConfigFile = o.WebConfigFile,
        });
        using var http = vigil.Client("alice:alice-secret");
        http.BaseAddress = new Uri($"https://127.0.0.1:{vigil.BaseAddress.Port}/");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v1/labels")).StatusCode);
    }

    [Fact]
    public async Task Start_InvalidWebConfig_RefusedWithFileLineColumn()
    {
        string file = Path.Combine(_work, "web.yml");
        await File.WriteAllTextAsync(file, "basic_auth_users:\n  alice: plain-password\n");
        await using var server = new VigilServer(new VigilServerOptions { Listen = new ListenAddress("127.0.0.1", 0), WebConfigFile = file }, new MemoryStorage());

        var e = await Assert.ThrowsAsync<Vigil.Core.Config.ConfigException>(() => server.StartAsync());

        Assert.Equal($"{file}:2:10: invalid \"alice\" in basic_auth_users: expected a bcrypt hash ($2y$10$... from htpasswd -nBC 10), not a clear-text password", e.Errors.Single().ToString());
    }

    [Fact]
    public async Task Serve_AllInterfacesWithoutAuthentication_ExitsNamingTheFlag()
    {
        using var vigil = VigilProcess.Start(_work, "serve", "--listen", $"0.0.0.0:{Processes.FreePort()}", "--data-dir", "data", "--collectors", "none");

        Assert.Equal(1, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("without authentication", vigil.Stderr + vigil.Stdout, StringComparison.Ordinal);
        Assert.Contains("--web.insecure-listen", vigil.Stderr + vigil.Stdout, StringComparison.Ordinal);
    }
}
