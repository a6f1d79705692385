using System.Collections.Specialized;
using System.Globalization;
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

    /// <summary>The browser's end-time field for unix seconds (the tests run the browser in UTC); Chromium leaves out zero seconds.</summary>
    private static string EndField(long unixSeconds)
        => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString(unixSeconds % 60 == 0 ? "yyyy-MM-ddTHH:mm" : "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static NameValueCollection UrlQuery(IPage page)
    {
        var url = new Uri(page.Url);
        Assert.Equal("/explore", url.AbsolutePath);
        return System.Web.HttpUtility.ParseQueryString(url.Query);
    }

    /// <summary>Waits for the result area to show a finished query and returns the status line.</summary>
    private static async Task<string> ResultAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("#result")).ToHaveAttributeAsync("data-state", "ready");
        return await page.Locator("#result-status").InnerTextAsync();
    }

    [Fact]
    public async Task Enter_RunsTheQueryAndPutsTheViewInTheUrl()
    {
        await using var tab = await server.OpenAsync();
        // A fixed end on the last sample and a 15 s step put every sample of the hour on the grid.
        await tab.GotoAsync($"/explore?end={server.EndSeconds}&step=15s");
        var page = tab.Page;
        var editor = page.Locator("#expr");
        await editor.FillAsync(Metric);
        await editor.PressAsync("Escape");
        await editor.PressAsync("Enter");

        string status = await ResultAsync(page);
        // Two rooms, a sample every 15 s over the hour, both ends included.
        int perSeries = (3600 / DashboardServer.SampleIntervalSeconds) + 1;
        Assert.StartsWith($"2 series, {2 * perSeries} points, step 15s", status, StringComparison.Ordinal);
        var chart = page.Locator("#result div.chart");
        Assert.Equal("2", await chart.GetAttributeAsync("data-series"));
        Assert.Equal((2 * perSeries).ToString(CultureInfo.InvariantCulture), await chart.GetAttributeAsync("data-points"));
        await Assertions.Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        // The legend names both series.
        var legend = await chart.Locator(".u-legend .u-series th").AllInnerTextsAsync();
        Assert.Contains(legend, l => l.Contains("room=\"kitchen\"", StringComparison.Ordinal));
        Assert.Contains(legend, l => l.Contains("room=\"cellar\"", StringComparison.Ordinal));

        var query = UrlQuery(page);
        Assert.Equal(Metric, query["expr"]);
        Assert.Equal("graph", query["tab"]);
        Assert.Equal("1h", query["range"]);
        Assert.Equal("15s", query["step"]);
        Assert.Equal(server.EndSeconds.ToString(CultureInfo.InvariantCulture), query["end"]);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("explore-graph");
    }

    [Fact]
    public async Task TableTab_ShowsTheInstantValuesOfEverySeries()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync($"/explore?expr={Metric}&end={server.EndSeconds}");
        var page = tab.Page;
        await ResultAsync(page);
        await page.Locator("button[data-tab=table]").ClickAsync();
        await Assertions.Expect(page.Locator("#result table.results")).ToHaveCountAsync(1);
        Assert.StartsWith("2 results at ", await ResultAsync(page), StringComparison.Ordinal);

        var rows = page.Locator("#result table.results tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        int last = 3600 / DashboardServer.SampleIntervalSeconds;
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 2; i++)
        {
            shown[await rows.Nth(i).Locator("td.series").InnerTextAsync()] = await rows.Nth(i).Locator("td.value").InnerTextAsync();
        }
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Metric + "{job=\"sensors\", room=\"kitchen\"}"] = Value("kitchen", last),
            [Metric + "{job=\"sensors\", room=\"cellar\"}"] = Value("cellar", last),
        }, shown);
        Assert.Equal("table", UrlQuery(page)["tab"]);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("explore-table");
    }

    private static string Value(string room, int i) => DashboardServer.Value(room, i).ToString(CultureInfo.InvariantCulture);

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
        Assert.Equal(EndField(end), await page.Locator("#end").InputValueAsync());
        Assert.Equal("true", await page.Locator("button[data-tab=table]").GetAttributeAsync("aria-selected"));
        Assert.Equal("false", await page.Locator("button[data-tab=graph]").GetAttributeAsync("aria-selected"));

        // The query ran at the URL's end time: the sample before the last one.
        await ResultAsync(page);
        int i = (3600 / DashboardServer.SampleIntervalSeconds) - 1;
        var rows = page.Locator("#result table.results tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(Value("cellar", i), await rows.Filter(new() { HasText = "cellar" }).Locator("td.value").InnerTextAsync());
        Assert.Equal(Value("kitchen", i), await rows.Filter(new() { HasText = "kitchen" }).Locator("td.value").InnerTextAsync());
        Assert.Equal("{room=\"cellar\"}", await rows.Filter(new() { HasText = "cellar" }).Locator("td.series").InnerTextAsync());
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task TimeRangePicker_RangeAndShiftChangeTheGraphAndTheUrl()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync($"/explore?expr={Metric}&range=1h&end={server.EndSeconds}&step=15s");
        var page = tab.Page;
        Assert.StartsWith("2 series, 482 points", await ResultAsync(page), StringComparison.Ordinal);

        await page.Locator("#range").SelectOptionAsync("15m");
        // 15 minutes at 15 s: 61 points per room.
        await Assertions.Expect(page.Locator("#result-status")).ToContainTextAsync("2 series, 122 points, step 15s");
        Assert.Equal("15m", UrlQuery(page)["range"]);

        // « moves the window back by half the range.
        await page.Locator("#earlier").ClickAsync();
        long earlier = server.EndSeconds - 450;
        await Assertions.Expect(page.Locator("#end")).ToHaveValueAsync(EndField(earlier));
        await Assertions.Expect(page.Locator("#result-status")).ToContainTextAsync($"{Time(earlier - 900)} – {Time(earlier)}");
        Assert.Equal(earlier.ToString(CultureInfo.InvariantCulture), UrlQuery(page)["end"]);
        Assert.StartsWith("2 series, 122 points", await ResultAsync(page), StringComparison.Ordinal);

        // An hour before the data starts nothing is stored: the graph says so.
        await page.Locator("#end").FillAsync(EndField(server.EndSeconds - 3 * 3600));
        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync("Empty query result");

        // "now" drops the end time from the URL.
        await page.Locator("#now").ClickAsync();
        await Assertions.Expect(page.Locator("#end")).ToHaveValueAsync(string.Empty);
        await ResultAsync(page);
        Assert.Null(UrlQuery(page)["end"]);
        Assert.Empty(tab.Errors);
    }

    private static string Time(long unixSeconds)
        => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Keyboard_ShiftEnterAddsALineCtrlEnterRunsAndErrorsAreShown()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync($"/explore?tab=table&end={server.EndSeconds}");
        var page = tab.Page;
        var editor = page.Locator("#expr");
        // The editor has focus on arrival: typing needs no click.
        await page.Keyboard.TypeAsync("sum(" + Metric);
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("Shift+Enter");
        await page.Keyboard.TypeAsync(")");
        Assert.Equal("sum(" + Metric + "\n)", await editor.InputValueAsync());
        Assert.Null(await page.Locator("#result").GetAttributeAsync("data-state"));

        await page.Keyboard.PressAsync("Control+Enter");
        await ResultAsync(page);
        int last = 3600 / DashboardServer.SampleIntervalSeconds;
        string sum = (DashboardServer.Value("kitchen", last) + DashboardServer.Value("cellar", last)).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(sum, await page.Locator("#result table.results td.value").InnerTextAsync());

        // A syntax error comes back from the server as Prometheus's error, shown in place of the result.
        await editor.FillAsync("sum(" + Metric);
        await editor.PressAsync("Control+Enter");
        var error = page.Locator("#result div.error");
        await Assertions.Expect(error).ToContainTextAsync("bad_data");
        Assert.Equal("error", await page.Locator("#result").GetAttributeAsync("data-state"));
        Assert.Contains(tab.Errors, e => e.Contains("HTTP 400", StringComparison.Ordinal));
    }
}
