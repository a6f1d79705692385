using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;
using Vigil.Server;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The dashboard of a server with a web configuration (basic-auth users, a bearer token): the browser's basic-auth
/// login and the token sign-in form, over the shared test data.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class SecuredDashboardTests(DashboardServer shared) : IAsyncLifetime
{
    private const string Token = "dashboard-token-0123456789abcdef";

    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-dashboard-auth-").FullName;
    private VigilServer _server = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "viewer.token"), Token);
        await File.WriteAllTextAsync(Path.Combine(_dir, "web.yml"), $$"""
            basic_auth_users:
              alice: {{BCrypt.Net.BCrypt.HashPassword("alice-secret", 4)}}
              viewer: {{BCrypt.Net.BCrypt.HashPassword("viewer-secret", 4)}}
            vigil_user_scopes:
              viewer: read
            bearer_tokens:
              - { file: viewer.token, scope: read, name: wallboard }
            """);
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
            WebConfigFile = Path.Combine(_dir, "web.yml"),
        }, shared.Storage);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<DashboardPage> OpenAsync(HttpCredentials? credentials)
    {
        var context = await shared.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            TimezoneId = "UTC",
            Locale = "en-GB",
            HttpCredentials = credentials,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return new DashboardPage(context, page, _server.BaseAddress);
    }

    [Fact]
    public async Task Explore_WithBasicAuthCredentials_QueriesAndShowsTheUser()
    {
        await using var tab = await OpenAsync(new HttpCredentials { Username = "alice", Password = "alice-secret" });
        await tab.GotoAsync($"/explore?expr={Uri.EscapeDataString(DashboardServer.TestMetric)}&tab=table&range=10m&end={shared.EndSeconds}&step=1m");
        var rows = tab.Page.Locator("#result table.results tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "kitchen" })).ToHaveCountAsync(1);

        await tab.GotoAsync("/status");
        var security = tab.Page.Locator("section[data-panel=security]");
        await Assertions.Expect(security).ToContainTextAsync("alice (basic auth)");
        await Assertions.Expect(security).ToContainTextAsync("admin");
        await Assertions.Expect(tab.Page.Locator("section[data-panel=config]")).ToHaveAttributeAsync("data-state", "ready");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Status_ReadOnlyUser_ConfigPanelSaysForbiddenOthersWork()
    {
        await using var tab = await OpenAsync(new HttpCredentials { Username = "viewer", Password = "viewer-secret" });
        await tab.GotoAsync("/status");
        await Assertions.Expect(tab.Page.Locator("section[data-panel=security]")).ToContainTextAsync("viewer (basic auth)");
        await Assertions.Expect(tab.Page.Locator("section[data-panel=tsdb]")).ToHaveAttributeAsync("data-state", "ready");
        var config = tab.Page.Locator("section[data-panel=config]");
        await Assertions.Expect(config).ToHaveAttributeAsync("data-state", "error");
        await Assertions.Expect(config).ToContainTextAsync("needs the admin scope");
        Assert.NotEmpty(tab.Errors);
        Assert.All(tab.Errors, e => Assert.Contains("403", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenForm_TokenOnlyServer_SignInPageThenDashboard()
    {
        // Note: with basic-auth users the browser's own prompt comes first (a headless browser cannot show it), so the
        // form is driven on a server with bearer tokens only, where the 401 page is what the browser shows.
        string webConfig = Path.Combine(_dir, "tokens-only.yml");
        await File.WriteAllTextAsync(webConfig, "bearer_tokens:\n  - { file: viewer.token, scope: read, name: wallboard }\n");
        await using var tokensOnly = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
            WebConfigFile = webConfig,
        }, shared.Storage);
        await tokensOnly.StartAsync();
        var context = await shared.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = tokensOnly.BaseAddress.ToString() });
        await using var tab = new DashboardPage(context, await context.NewPageAsync(), tokensOnly.BaseAddress);

        var first = await tab.Page.GotoAsync("/alerts");
        Assert.Equal(401, first!.Status);
        await tab.Page.FillAsync("input[name=token]", "not-the-token-0123456789");
        await tab.Page.ClickAsync("button[type=submit]");
        await Assertions.Expect(tab.Page.Locator("p.error")).ToHaveTextAsync("That token is not valid.");
        await tab.Page.FillAsync("input[name=token]", Token);
        await tab.Page.ClickAsync("button[type=submit]");
        await tab.Page.WaitForSelectorAsync("main[data-loaded=true]");
        Assert.EndsWith("/alerts", tab.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(tab.Page.Locator("main h1")).ToHaveTextAsync("Alerts");

        await tab.GotoAsync("/status");
        await Assertions.Expect(tab.Page.Locator("section[data-panel=security]")).ToContainTextAsync("wallboard (bearer token)");
    }
}
