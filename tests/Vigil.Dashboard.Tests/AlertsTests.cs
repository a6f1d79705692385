using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class AlertsTests(DashboardServer server)
{
    /// <summary>The kitchen's temperature at the last sample, as the page shows it.</summary>
    private static readonly string Kitchen = DashboardServer.Value("kitchen", 3600 / DashboardServer.SampleIntervalSeconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Waits until the rule manager has evaluated the rule file and the kitchen alert fires.</summary>
    private async Task WaitForFiringAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var doc = JsonDocument.Parse(await server.Http.GetStringAsync("/api/v1/alerts"));
            if (doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                .Any(a => a.GetProperty("state").GetString() == "firing"))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the alert did not fire within 30 s");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Alerts_FiringAlert_AppearsWithItsLabelsValueAndSummary()
    {
        await WaitForFiringAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/alerts");
        var page = tab.Page;

        var firing = page.Locator($"details[data-alert={DashboardServer.FiringAlert}]");
        Assert.Equal("firing", await firing.GetAttributeAsync("data-state"));
        Assert.True(await firing.EvaluateAsync<bool>("d => d.open"), "a firing rule is expanded");
        var rows = firing.Locator("table.alerts tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        string row = await rows.InnerTextAsync();
        Assert.Contains("room=kitchen", row, StringComparison.Ordinal);
        Assert.Contains("severity=warning", row, StringComparison.Ordinal);
        Assert.Contains("firing", row, StringComparison.Ordinal);
        Assert.Contains(Kitchen, row, StringComparison.Ordinal);
        Assert.DoesNotContain("cellar", row, StringComparison.Ordinal);
        Assert.Contains("dashboard_test_temperature_celsius > 20", await firing.InnerTextAsync(), StringComparison.Ordinal);

        var inactive = page.Locator("details[data-alert=CellarFrozen]");
        Assert.Equal("inactive", await inactive.GetAttributeAsync("data-state"));
        Assert.Equal("(1)", await page.Locator("label:has([data-filter=firing]) .count").InnerTextAsync());
        Assert.Equal("(1)", await page.Locator("label:has([data-filter=inactive]) .count").InnerTextAsync());

        // Unticking "inactive" hides the inactive rule.
        await page.Locator("[data-filter=inactive]").UncheckAsync();
        await Assertions.Expect(inactive).ToHaveCountAsync(0);
        await Assertions.Expect(firing).ToHaveCountAsync(1);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("alerts-firing");
    }

    [Fact]
    public async Task Alerts_CollapsedRule_StaysCollapsedAfterRefresh()
    {
        await WaitForFiringAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/alerts");
        var firing = tab.Page.Locator($"details[data-alert={DashboardServer.FiringAlert}]");
        Assert.True(await firing.EvaluateAsync<bool>("d => d.open"));
        await firing.Locator("summary").ClickAsync();
        Assert.False(await firing.EvaluateAsync<bool>("d => d.open"));

        // Mark the element on screen, refresh, and wait until the list has been rebuilt.
        await firing.EvaluateAsync("d => d.dataset.before = 'yes'");
        await tab.Page.ClickAsync("#refresh-now");
        var rebuilt = tab.Page.Locator($"details[data-alert={DashboardServer.FiringAlert}]:not([data-before])");
        await Assertions.Expect(rebuilt).ToHaveCountAsync(1);
        Assert.False(await rebuilt.EvaluateAsync<bool>("d => d.open"));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Overview_FiringAlert_IsListedWithItsSummary()
    {
        await WaitForFiringAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/");
        var alerts = tab.Page.Locator("section[data-panel=alerts]");
        await Assertions.Expect(alerts).ToHaveAttributeAsync("data-state", "ready");
        string text = await alerts.Locator("tbody").InnerTextAsync();
        Assert.Contains(DashboardServer.FiringAlert, text, StringComparison.Ordinal);
        Assert.Contains($"kitchen is at {Kitchen} °C", text, StringComparison.Ordinal);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Rules_Group_ListsEveryRuleWithItsHealth()
    {
        await WaitForFiringAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/rules");
        var group = tab.Page.Locator("div.group[data-group=rooms]");
        var rows = group.Locator("table.rules tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        Assert.Contains("KitchenTooWarm", await rows.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("CellarFrozen", await rows.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        string record = await rows.Nth(2).InnerTextAsync();
        Assert.Contains("job:dashboard_test_temperature_celsius:avg", record, StringComparison.Ordinal);
        Assert.Contains("record", record, StringComparison.Ordinal);
        foreach (string health in await group.Locator("table.rules tbody td:nth-child(2)").AllInnerTextsAsync())
        {
            Assert.Equal("ok", health);
        }
        Assert.Contains("rooms.rules.yml", await group.Locator("h3").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("rules");
    }
}
