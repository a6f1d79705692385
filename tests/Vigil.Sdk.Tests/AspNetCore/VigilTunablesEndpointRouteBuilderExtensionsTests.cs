using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Sdk.AspNetCore;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.AspNetCore;

public sealed class VigilTunablesEndpointRouteBuilderExtensionsTests
{
    [Fact]
    public async Task MapVigilTunables_WithAddVigilSdk_ServesContractAndMetrics()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddVigilSdk(o => o.MeterName = "Vigil.Sdk.Tests.AspNetTunables");
        await using var app = builder.Build();
        var pool = app.Services.GetRequiredService<TunableRegistry>().AddInteger("pool_size", 4, 1, 32);
        app.MapVigilTunables("tok");
        app.MapVigilMetrics();
        await app.StartAsync();
        using var http = app.GetTestClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tok");

        using var put = await http.PutAsync(new Uri("/vigil/tunables/pool_size", UriKind.Relative), Json("{\"value\":9}"));
        string list = await http.GetStringAsync(new Uri("/vigil/tunables", UriKind.Relative));
        using var bad = await http.PutAsync(new Uri("/vigil/tunables/pool_size", UriKind.Relative), Json("{\"value\":33}"));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        http.DefaultRequestHeaders.Authorization = null;
        using var anonymous = await http.GetAsync(new Uri("/vigil/tunables/pool_size", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("{\"name\":\"pool_size\",\"kind\":\"integer\",\"value\":9,\"min\":1,\"max\":32,\"description\":\"\",\"unit\":\"\"}", await put.Content.ReadAsStringAsync());
        Assert.Equal("[{\"name\":\"pool_size\",\"kind\":\"integer\",\"value\":9,\"min\":1,\"max\":32,\"description\":\"\",\"unit\":\"\"}]", list);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(9, pool.Value);
        Assert.Contains("vigil_tunable_value{tunable=\"pool_size\"} 9\n", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task MapVigilTunables_KestrelOnAllInterfacesWithoutToken_PutIs403()
    {
        using var registry = new TunableRegistry("Vigil.Sdk.Tests.Kestrel." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 4, 1, 32);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://0.0.0.0:0");
        await using var app = builder.Build();
        app.MapVigilTunables(registry);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };

        using var get = await http.GetAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative));
        using var put = await http.PutAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative), Json("{\"value\":9}"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(4, pool.Value);
        await app.StopAsync();
    }

    [Fact]
    public async Task MapVigilTunables_KestrelOnLoopbackWithoutToken_PutAllowed()
    {
        using var registry = new TunableRegistry("Vigil.Sdk.Tests.Kestrel." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 4, 1, 32);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapVigilTunables(registry);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };

        using var put = await http.PutAsync(new Uri("vigil/tunables/pool_size", UriKind.Relative), Json("{\"value\":9}"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(9, pool.Value);
        await app.StopAsync();
    }

    [Fact]
    public async Task MapVigilTunables_WithoutRegistry_ClearError()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapVigilTunables());
        Assert.Contains("AddVigilSdk", e.Message, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
