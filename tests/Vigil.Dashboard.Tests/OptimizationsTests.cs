using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The Optimizations page over a real optimizer: the firing kitchen alert triggers two policies whose command executor
/// changes a worker count the simulated latency follows; one change helps and is kept, the other hurts and is rolled back.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class OptimizationsTests(DashboardServer server)
{
    private static JsonElement ByPolicy(JsonElement executions, string policy)
        => executions.EnumerateArray().Single(e => e.GetProperty("action").GetProperty("policy").GetString() == policy);

    private static string PValue(JsonElement execution)
    {
        double p = execution.GetProperty("evidence").GetProperty("metrics")[0].GetProperty("pValue").GetDouble();
        return p < 0.001 ? p.ToString("0.00e+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Timeline_ShowsTheKeptAndTheRolledBackExecutionWithVerdictPValuesAndEvents()
    {
        var executions = await server.WaitForOptimizationsAsync();
        var kept = ByPolicy(executions, DashboardServer.HelpfulPolicy);
        var rolledBack = ByPolicy(executions, DashboardServer.HarmfulPolicy);
        Assert.Equal("Completed", kept.GetProperty("status").GetString());
        Assert.Equal("RolledBack", rolledBack.GetProperty("status").GetString());

        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/optimizations");
        var page = tab.Page;
        await Assertions.Expect(page.Locator("section[data-panel=timeline]")).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal("auto", await page.Locator("#optimizer-mode").InnerTextAsync());

        var keptView = page.Locator($"article.execution[data-id='{kept.GetProperty("id").GetString()}']");
        Assert.Equal("Completed", await keptView.GetAttributeAsync("data-status"));
        Assert.Equal("kept", await keptView.Locator(".execution-head .badge").InnerTextAsync());
        string keptText = await keptView.InnerTextAsync();
        Assert.Contains(DashboardServer.HelpfulPolicy, keptText, StringComparison.Ordinal);
        Assert.Contains("kitchen/workers", keptText, StringComparison.Ordinal);
        Assert.Contains("4 → 8", keptText, StringComparison.Ordinal);
        Assert.Contains(DashboardServer.FiringAlert, keptText, StringComparison.Ordinal);
        Assert.StartsWith("Kept: latency improved by ", await keptView.Locator(".verdict").InnerTextAsync(), StringComparison.Ordinal);
        var keptRow = keptView.Locator("table.metrics tbody tr");
        await Assertions.Expect(keptRow).ToHaveCountAsync(1);
        Assert.Equal(PValue(kept), await keptRow.Locator("td:nth-child(6)").InnerTextAsync());
        Assert.Equal("low", await keptRow.Locator("td:nth-child(9)").InnerTextAsync());
        // The impact is the measured relative improvement: about +50 % for twice the workers.
        double impact = double.Parse((await keptView.Locator(".impact").InnerTextAsync()).TrimStart('+').TrimEnd('%'), CultureInfo.InvariantCulture);
        Assert.InRange(impact, 40, 60);

        var backView = page.Locator($"article.execution[data-id='{rolledBack.GetProperty("id").GetString()}']");
        Assert.Equal("rolled back", await backView.Locator(".execution-head .badge").InnerTextAsync());
        Assert.StartsWith("Rolled back: target latency did not improve significantly", await backView.Locator(".verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(PValue(rolledBack), await backView.Locator("table.metrics tbody tr td:nth-child(6)").InnerTextAsync());
        Assert.Equal("high", await backView.Locator("table.metrics tbody tr td:nth-child(9)").InnerTextAsync());
        // The rollback events are listed, open, and marked.
        Assert.True(await backView.Locator("details").EvaluateAsync<bool>("d => d.open"));
        var rollbackEvents = await backView.Locator("ol.events li[data-event=rollback]").AllInnerTextsAsync();
        Assert.Equal(2, rollbackEvents.Count);
        Assert.Contains("rolling back: evaluation: target latency did not improve", rollbackEvents[0], StringComparison.Ordinal);
        Assert.Contains("rolled back: /bin/sh", rollbackEvents[1], StringComparison.Ordinal);
        Assert.Empty(await keptView.Locator("ol.events li[data-event=rollback]").AllAsync());

        // The audit log lists the optimizer's executor calls as the API returns them, newest first.
        using (var doc = JsonDocument.Parse(await server.Http.GetStringAsync("/api/v1/optimizations/audit?limit=50")))
        {
            var entries = doc.RootElement.GetProperty("data").GetProperty("entries");
            var audit = page.Locator("section[data-panel=audit]");
            await Assertions.Expect(audit).ToHaveAttributeAsync("data-state", "ready");
            var rows = audit.Locator("table.audit tbody tr");
            Assert.True(await rows.CountAsync() >= entries.GetArrayLength(), "the page shows at least what the API had a moment before");
            var texts = await rows.AllInnerTextsAsync();
            Assert.Contains(texts, t => t.Contains("optimizer", StringComparison.Ordinal) && t.Contains("executor apply", StringComparison.Ordinal)
                && t.Contains("kitchen/workers", StringComparison.Ordinal) && t.Contains("ok", StringComparison.Ordinal));
            Assert.Contains(texts, t => t.Contains("executor rollback", StringComparison.Ordinal) && t.Contains("cellar/workers", StringComparison.Ordinal));
            Assert.Contains(entries.EnumerateArray(), e => e.GetProperty("action").GetString() == "rollback"
                && e.GetProperty("target").GetString() == "cellar/workers" && e.GetProperty("result").GetString() == "ok");
        }

        // The status filter asks the API for rolled-back executions only.
        await page.Locator("#status-filter").SelectOptionAsync("RolledBack");
        await Assertions.Expect(page.Locator("article.execution")).ToHaveCountAsync(1);
        Assert.Equal("RolledBack", await page.Locator("article.execution").GetAttributeAsync("data-status"));
        Assert.EndsWith("/optimizations?status=RolledBack", page.Url, StringComparison.Ordinal);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task BeforeAfterChart_HasExactlyTheSamplesTheEvaluatorCompared()
    {
        var executions = await server.WaitForOptimizationsAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync("/optimizations");
        foreach (string policy in new[] { DashboardServer.HelpfulPolicy, DashboardServer.HarmfulPolicy })
        {
            var e = ByPolicy(executions, policy);
            var metric = e.GetProperty("evidence").GetProperty("metrics")[0];
            int before = metric.GetProperty("baseline").GetProperty("count").GetInt32();
            int after = metric.GetProperty("observation").GetProperty("count").GetInt32();
            Assert.True(before >= 5 && after >= 5, $"{policy}: {before} and {after} samples");
            var box = tab.Page.Locator($"article.execution[data-policy={policy}] div.before-after");
            await Assertions.Expect(box).ToHaveAttributeAsync("data-state", "ready");
            var chart = box.Locator("div.chart");
            Assert.Equal("2", await chart.GetAttributeAsync("data-series"));
            Assert.Equal((before + after).ToString(CultureInfo.InvariantCulture), await chart.GetAttributeAsync("data-points"));
            var legend = await chart.Locator(".u-legend .u-series th").AllInnerTextsAsync();
            Assert.Equal(["before", "after"], legend.Skip(1).Select(l => l.Trim()));
        }
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("optimizations");
    }
}
