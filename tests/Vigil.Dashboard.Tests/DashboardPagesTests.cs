using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class DashboardPagesTests(DashboardServer server)
{
    /// <summary>Every API the pages read, with the parameters they send.</summary>
    public static readonly string[] DashboardApis =
    [
        "/api/v1/query?query=up", "/api/v1/query_range?query=up&start=0&end=60&step=15", "/api/v1/labels", "/api/v1/label/__name__/values",
        "/api/v1/alerts", "/api/v1/rules", "/api/v1/targets", "/api/v1/status/tsdb?limit=10", "/api/v1/status/config",
        "/api/v1/status/buildinfo", "/api/v1/insights?state=active&limit=5", "/api/v1/optimizations?limit=5", "/api/v1/profiles", "/metrics",
    ];

    public static TheoryData<string, string, string> Pages => new()
    {
        { "/", "overview", "Overview" },
        { "/explore", "explore", "Explore" },
        { "/alerts", "alerts", "Alerts" },
        { "/rules", "rules", "Rules" },
        { "/targets", "targets", "Targets" },
        { "/tools", "tools", "Tools" },
        { "/insights", "insights", "Insights" },
        { "/optimizations", "optimizations", "Optimizations" },
        { "/profiles", "profiles-list", "Profiles" },
        { "/status", "status", "Status" },
    };

    [Fact]
    public async Task DashboardApis_AllAnswer()
    {
        foreach (string api in DashboardApis)
        {
            using var r = await server.Http.GetAsync(api);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{api} answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Overview_OnAServerWithoutInsightsOrOptimizer_LeavesThosePanelsOut()
    {
        await using var tab = await server.OpenAsync();
        // Note: no build of Vigil without these APIs can run here, so the browser is made to see 404 for them.
        await tab.Page.RouteAsync(url => url.Contains("/api/v1/insights", StringComparison.Ordinal) || url.Contains("/api/v1/optimizations", StringComparison.Ordinal),
            route => route.FulfillAsync(new() { Status = 404, Body = "404 page not found" }));
        await tab.GotoAsync("/");
        var page = tab.Page;
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('section.panel')].every(p => p.dataset.state)");
        Assert.True(await page.Locator("section[data-panel=insights]").IsHiddenAsync());
        Assert.True(await page.Locator("section[data-panel=optimizations]").IsHiddenAsync());
        await Assertions.Expect(page.Locator("section[data-panel=alerts]")).ToBeVisibleAsync();
        Assert.Empty(await page.Locator("div.na:visible").AllAsync());
        Assert.Empty(tab.Errors);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Loads_WithoutErrors(string path, string name, string title)
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync(path);
        var page = tab.Page;
        // Every panel has finished loading: ready, or not available in this build.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('section.panel')].every(p => p.dataset.state)");

        Assert.Equal($"{title} · Vigil", await page.TitleAsync());
        Assert.Equal(title, await page.InnerTextAsync("nav a.active"));
        Assert.Equal(title, await page.InnerTextAsync("main h1"));
        Assert.Empty(tab.Errors);
        Assert.Empty(await page.QuerySelectorAllAsync("[data-state=error]"));
        // Every API the page reads exists in this build: nothing answers 404 and nothing says "not available".
        Assert.Empty(tab.NotFoundPaths);
        Assert.Empty(await page.Locator("div.na").AllAsync());
        await tab.ScreenshotAsync("loaded-" + name);
    }

    [Fact]
    public async Task Status_ShowsTsdbStatisticsOfTheStoredData()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/status");
        var tsdb = tab.Page.Locator("section[data-panel=tsdb]");
        await Assertions.Expect(tsdb).ToHaveAttributeAsync("data-state", "ready");
        // The oldest sample is the test data's first (the browser runs in UTC).
        string oldest = DateTimeOffset.FromUnixTimeSeconds(server.EndSeconds - 3600).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Equal(oldest, await tsdb.Locator("dt:text-is('Oldest sample') + dd").InnerTextAsync());
        long series = long.Parse(await tsdb.Locator("dt:text-is('Series') + dd").InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.True(series >= 2, $"series {series}");
        // Label names by value count include the test data's room label with its two values.
        var labelRows = tsdb.Locator("div.top", new() { HasText = "Label value count by label name" }).Locator("tbody tr");
        Assert.Contains("__name__", await labelRows.First.InnerTextAsync(), StringComparison.Ordinal);
        var metrics = tab.Page.Locator("section[data-panel=metrics]");
        await Assertions.Expect(metrics).ToHaveAttributeAsync("data-state", "ready");
        Assert.Contains("vigil_tsdb_head_series", await metrics.InnerTextAsync(), StringComparison.Ordinal);
        var config = tab.Page.Locator("section[data-panel=config] pre.config");
        Assert.Contains("job_name: node", await config.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(server.DownTarget, await config.InnerTextAsync(), StringComparison.Ordinal);
        // Vigil's own version and the Prometheus API version it answers as are told apart.
        var build = tab.Page.Locator("section[data-panel=buildinfo]");
        await Assertions.Expect(build).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal("3.0.0", await build.Locator("dt:text-is('Prometheus API version (emulated)') + dd").InnerTextAsync());
        string vigilVersion = await build.Locator("dt:text-is('Vigil version') + dd").InnerTextAsync();
        Assert.Matches(@"^\d+\.\d+\.\d+", vigilVersion);
        Assert.DoesNotContain("+", vigilVersion, StringComparison.Ordinal);
        await tab.ScreenshotAsync("status");
    }

    [Fact]
    public async Task Overview_StoragePanel_ShowsTheDataRange()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/");
        var storage = tab.Page.Locator("section[data-panel=storage]");
        await Assertions.Expect(storage).ToHaveAttributeAsync("data-state", "ready");
        string oldest = DateTimeOffset.FromUnixTimeSeconds(server.EndSeconds - 3600).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Equal(oldest, await storage.Locator("dt:text-is('Data from') + dd").InnerTextAsync());
    }

    [Fact]
    public async Task Targets_ShowHealthAndTheScrapeError()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/targets");
        var pool = tab.Page.Locator("div.pool[data-pool=node]");
        // Scrapes run every second; wait until both targets have been tried.
        await Assertions.Expect(pool.Locator("h3 .badge")).ToHaveTextAsync("1/2 up", new() { Timeout = 30_000 });
        var up = pool.Locator("table.targets tbody tr", new() { HasText = server.UpTarget });
        var down = pool.Locator("table.targets tbody tr", new() { HasText = server.DownTarget });
        Assert.Equal("up", await up.Locator("td:nth-child(2)").InnerTextAsync());
        Assert.Equal("down", await down.Locator("td:nth-child(2)").InnerTextAsync());
        Assert.Equal(string.Empty, (await up.Locator("td:nth-child(6)").InnerTextAsync()).Trim());
        Assert.Contains("refused", await down.Locator("td:nth-child(6)").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("job=node", await up.Locator("td:nth-child(3)").InnerTextAsync(), StringComparison.Ordinal);

        await tab.Page.Locator("#unhealthy-only").CheckAsync();
        await Assertions.Expect(up).ToHaveCountAsync(0);
        await Assertions.Expect(down).ToHaveCountAsync(1);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("targets-scraped");
    }

    [Fact]
    public async Task Navigation_ChangesPageWithoutReloading()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/");
        await tab.Page.EvaluateAsync("() => { window.__marker = 42; }");
        await tab.Page.ClickAsync("nav a[href='/status']");
        await Assertions.Expect(tab.Page.Locator("main h1")).ToHaveTextAsync("Status");
        Assert.EndsWith("/status", tab.Page.Url, StringComparison.Ordinal);
        Assert.Equal(42, await tab.Page.EvaluateAsync<int>("() => window.__marker"));
        await tab.Page.GoBackAsync();
        await Assertions.Expect(tab.Page.Locator("main h1")).ToHaveTextAsync("Overview");
        Assert.Empty(tab.Errors);
    }
}
