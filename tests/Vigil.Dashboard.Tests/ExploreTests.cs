using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class ExploreTests(DashboardServer server)
{
    private const string Metric = DashboardServer.TestMetric;

    [Fact]
    public async Task Editor_MetricPrefix_CompletesFromLabelValuesApi()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/explore");
        var editor = tab.Page.Locator("#expr");
        await editor.PressSequentiallyAsync("dashboard_test_te");
        var first = tab.Page.Locator("ul.completions li").First;
        await Assertions.Expect(first).ToContainTextAsync(Metric);
        Assert.Equal("metric", await first.GetAttributeAsync("data-kind"));
        await editor.PressAsync("Tab");
        Assert.Equal(Metric, await editor.InputValueAsync());
        Assert.True(await tab.Page.Locator("ul.completions").IsHiddenAsync());
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Editor_InsideBraces_CompletesLabelNamesThenValues()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/explore");
        var editor = tab.Page.Locator("#expr");
        await editor.PressSequentiallyAsync(Metric + "{ro");
        var options = tab.Page.Locator("ul.completions li .text");
        await Assertions.Expect(options).ToHaveTextAsync(["room"]);
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync("=\"");
        await Assertions.Expect(options).ToHaveTextAsync(["cellar", "kitchen"]);
        await editor.PressAsync("ArrowDown");
        await editor.PressAsync("Enter");
        Assert.Equal(Metric + "{room=\"kitchen", await editor.InputValueAsync());
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Enter_RunsTheQueryAndPutsTheViewInTheUrl()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/explore");
        var editor = tab.Page.Locator("#expr");
        await editor.FillAsync(Metric);
        await editor.PressAsync("Escape");
        await editor.PressAsync("Enter");
        await Assertions.Expect(tab.Page.Locator("#result")).Not.ToHaveAttributeAsync("data-state", "loading");
        var url = new Uri(tab.Page.Url);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        Assert.Equal("/explore", url.AbsolutePath);
        Assert.Equal(Metric, query["expr"]);
        Assert.Equal("graph", query["tab"]);
        Assert.Equal("1h", query["range"]);
        // This build has no query API: the result says so instead of drawing anything.
        await Assertions.Expect(tab.Page.Locator("#result div.na")).ToContainTextAsync("no /api/v1/query_range endpoint");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Url_ReproducesTheView()
    {
        await using var tab = await server.OpenAsync();
        long end = server.EndSeconds - DashboardServer.SampleIntervalSeconds;
        await tab.GotoAsync($"/explore?expr={Uri.EscapeDataString("sum by (room) (" + Metric + ")")}&tab=table&range=10m&end={end}&step=1m");
        var page = tab.Page;
        Assert.Equal("sum by (room) (" + Metric + ")", await page.Locator("#expr").InputValueAsync());
        Assert.Equal("10m", await page.Locator("#range").InputValueAsync());
        Assert.Equal("1m", await page.Locator("#step").InputValueAsync());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(end).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            await page.Locator("#end").InputValueAsync());
        Assert.Equal("true", await page.Locator("button[data-tab=table]").GetAttributeAsync("aria-selected"));
        Assert.Equal("false", await page.Locator("button[data-tab=graph]").GetAttributeAsync("aria-selected"));
        await Assertions.Expect(page.Locator("#result div.na")).ToContainTextAsync("no /api/v1/query endpoint");
    }
}
