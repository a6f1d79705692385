using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Analysis.Insights;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Insights;

/// <summary>Insights are one per cause: opened, updated while found, resolved when not, and kept across a restart.</summary>
public sealed class InsightStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-insights-").FullName;
    private readonly ManualClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Finding F(string key, InsightSeverity severity, double utilization) => new(
        key, InsightType.BottleneckDetected, severity, $"cpu at {utilization}",
        new Dictionary<string, string> { ["resource"] = "cpu" }, [LabelSet.Of("__name__", "cpu_utilization", "instance", "a")], 0.9,
        new Dictionary<string, double> { ["utilization"] = utilization }, []);

    [Fact]
    public void Apply_SameCauseUpdatesThenResolves_AndSurvivesReopen()
    {
        var store = new InsightStore(_dir, 10, NullLogger.Instance, _clock);
        store.Apply("bottleneck", [F("cpu/a", InsightSeverity.Medium, 0.85)]);
        var opened = Assert.Single(store.All());
        _clock.Advance(TimeSpan.FromMinutes(1));
        store.Apply("bottleneck", [F("cpu/a", InsightSeverity.High, 0.93)]);
        var updated = Assert.Single(store.All());
        Assert.Equal(opened.Id, updated.Id);
        Assert.Equal((InsightState.Active, InsightSeverity.High, 0.93), (updated.State, updated.Severity, updated.Evidence["utilization"]));
        Assert.Equal(opened.StartsAt, updated.StartsAt);
        Assert.Equal(_clock.Now, updated.UpdatedAt);

        // Another engine's run does not touch it.
        store.Apply("trend", []);
        Assert.Equal(InsightState.Active, store.Find(opened.Id)!.State);

        _clock.Advance(TimeSpan.FromMinutes(1));
        store.Apply("bottleneck", []);
        var resolved = store.Find(opened.Id)!;
        Assert.Equal((InsightState.Resolved, (DateTimeOffset?)_clock.Now), (resolved.State, resolved.EndsAt));

        // A recurrence is a new insight.
        store.Apply("bottleneck", [F("cpu/a", InsightSeverity.Medium, 0.81)]);
        Assert.Equal(2, store.All().Count);
        Assert.Equal(InsightState.Active, store.All()[0].State);

        var reopened = new InsightStore(_dir, 10, NullLogger.Instance, _clock);
        Assert.Equal(store.All().Select(i => (i.Id, i.State, i.Severity, i.Description)), reopened.All().Select(i => (i.Id, i.State, i.Severity, i.Description)));
        Assert.Equal("cpu_utilization", reopened.All()[0].AffectedSeries[0]["__name__"]);
        Assert.True(File.Exists(Path.Combine(_dir, "insights", "insights.json")));
    }

    [Fact]
    public void Apply_HistoryLimit_DropsOldestResolved()
    {
        var store = new InsightStore(null, 2, NullLogger.Instance, _clock);
        for (int i = 0; i < 5; i++)
        {
            store.Apply("bottleneck", [F("cpu/" + i, InsightSeverity.Low, 0.8)]);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        store.Apply("bottleneck", [F("cpu/4", InsightSeverity.Low, 0.8)]);
        Assert.Equal(["cpu/4", "cpu/3", "cpu/2"], store.All().Select(i => i.Key));
    }

    [Fact]
    public void Apply_Retention_DropsResolvedInsightsThatEndedLongerAgo()
    {
        var store = new InsightStore(null, 100, NullLogger.Instance, _clock, TimeSpan.FromHours(1));
        store.Apply("bottleneck", [F("cpu/old", InsightSeverity.Low, 0.8), F("cpu/live", InsightSeverity.Low, 0.8)]);
        store.Apply("bottleneck", [F("cpu/live", InsightSeverity.Low, 0.8)]);
        _clock.Advance(TimeSpan.FromMinutes(59));
        store.Apply("bottleneck", [F("cpu/live", InsightSeverity.Low, 0.8)]);
        Assert.Equal(["cpu/live", "cpu/old"], store.All().Select(i => i.Key).Order());
        _clock.Advance(TimeSpan.FromMinutes(2));
        store.Apply("bottleneck", [F("cpu/live", InsightSeverity.Low, 0.8)]);
        Assert.Equal(["cpu/live"], store.All().Select(i => i.Key));
    }

    [Fact]
    public void Open_DamagedFile_StartsEmpty()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "insights"));
        File.WriteAllText(Path.Combine(_dir, "insights", "insights.json"), "[{\"id\":");
        Assert.Empty(new InsightStore(_dir, 10, NullLogger.Instance, _clock).All());
    }
}
