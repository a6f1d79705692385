using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Config;
using Vigil.Optimizer.Model;
using Vigil.Rules;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>What a configuration reload keeps and what it replaces, on an in-process server.</summary>
public sealed class ConfigReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-reload-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>What <c>vigil serve</c> does with a file, minus its flags.</summary>
    private static VigilServerOptions Bind(VigilConfig c) => new()
    {
        Listen = new ListenAddress("127.0.0.1", 0),
        CollectHost = false,
        CollectSelf = false,
        CollectionInterval = c.Collectors.Interval,
        Collectors = c.Collectors,
        ScrapeConfigs = c.ScrapeConfigs,
        Rules = c.RuleOptions(),
        Alerting = c.Alerting,
        Optimization = c.Optimization,
        ConfigYaml = c.SourceText,
        ConfigFile = c.SourcePath,
        ConfigBinder = Bind,
        WatchConfig = false,
    };

    private const string Rules = """
        groups:
          - name: g
            rules:
              - alert: Kept
                expr: vector(1)
                for: 1h
              - alert: Changed
                expr: vector(2)
                for: 1h
        """;

    private static long ActiveAt(VigilServer server, string alert) => server.Rules!.Alerts().Single(a => a.Rule.Name == alert).Alert.ActiveAtMs;

    [Fact]
    public async Task Reload_UnchangedRuleAndJobKeepState_ChangedOnesStartOver_InvalidSetChangesNothing()
    {
        await using var a = await MetricsEndpoint.StartAsync();
        await using var b = await MetricsEndpoint.StartAsync();
        a.Set("/metrics", "a_up 1\n");
        b.Set("/metrics", "b_up 1\n");
        string rules = Write("rules.yml", Rules);
        string config = $$"""
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files: [rules.yml]
            scrape_configs:
              - job_name: a
                static_configs: [{ targets: ['{{a.Address}}'] }]
              - job_name: b
                static_configs: [{ targets: ['{{b.Address}}'] }]
            """;
        string path = Write("vigil.yaml", config);
        await using var server = new VigilServer(Bind(VigilConfig.Load(path)), new MemoryStorage());
        await server.StartAsync();
        await Poll.UntilAsync(() => Task.FromResult(server.Rules!.Alerts().Count == 2 && server.ScrapeManager.ActiveTargets().All(t => t.LastScrape is not null)));
        long kept = ActiveAt(server, "Kept"), changed = ActiveAt(server, "Changed");
        var targetA = server.ScrapeManager.ActiveTargets("a").Single();
        var targetB = server.ScrapeManager.ActiveTargets("b").Single();

        // An invalid rule file: the reload fails, nothing changes.
        File.WriteAllText(rules, Rules.Replace("vector(2)", "vector(2", StringComparison.Ordinal));
        File.WriteAllText(path, config.Replace("job_name: b\n", "job_name: b\n    scrape_interval: 2s\n", StringComparison.Ordinal));
        string? error = await server.ReloadConfigAsync();
        Assert.Contains("rules.yml:8:15: group \"g\", rule 2, \"Changed\": could not parse expression", error, StringComparison.Ordinal);
        Assert.False(server.LastConfigReloadSuccessful);
        Assert.Same(targetB, server.ScrapeManager.ActiveTargets("b").Single());
        Assert.Equal(changed, ActiveAt(server, "Changed"));

        // Fixed: job b and rule Changed start over; job a and rule Kept go on as they were.
        await Task.Delay(20);
        File.WriteAllText(rules, Rules.Replace("vector(2)", "vector(3)", StringComparison.Ordinal));
        Assert.Null(await server.ReloadConfigAsync());
        Assert.True(server.LastConfigReloadSuccessful);
        Assert.Same(targetA, server.ScrapeManager.ActiveTargets("a").Single());
        var newB = server.ScrapeManager.ActiveTargets("b").Single();
        Assert.NotSame(targetB, newB);
        Assert.Equal(TimeSpan.FromSeconds(2), newB.ScrapeInterval);
        await Poll.UntilAsync(() => Task.FromResult(server.Rules!.Alerts().Count == 2));
        Assert.Equal(kept, ActiveAt(server, "Kept"));
        Assert.True(ActiveAt(server, "Changed") > changed, "a changed rule starts a new pending period");
        Assert.Contains("scrape_interval: 2s", server.ActiveOptions.ConfigYaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_CollectorIntervalAlertingAndOptimizationSwapped_ConcurrentReloadsSerialized()
    {
        string path = Write("vigil.yaml", """
            collectors: { interval: 1s }
            optimization: { mode: recommend }
            """);
        await using var server = new VigilServer(Bind(VigilConfig.Load(path)), new MemoryStorage());
        await server.StartAsync();
        Assert.Equal(TimeSpan.FromSeconds(1), server.CollectionInterval);
        Assert.Equal(OptimizationMode.Recommend, server.Optimizer!.Config.Mode);
        var optimizer = server.Optimizer;

        File.WriteAllText(path, """
            collectors: { interval: 3s }
            optimization: { mode: approve, max_concurrent_optimizations: 2 }
            alerting:
              webhooks: [{ name: ops, url: 'http://127.0.0.1:9/hook' }]
            """);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => server.ReloadConfigAsync())));
        Assert.All(results, Assert.Null);
        Assert.Equal(TimeSpan.FromSeconds(3), server.CollectionInterval);
        Assert.Same(optimizer, server.Optimizer);
        Assert.Equal((OptimizationMode.Approve, 2), (server.Optimizer!.Config.Mode, server.Optimizer.Config.MaxConcurrentOptimizations));
        Assert.Equal("ops", server.ActiveOptions.Alerting!.Webhooks.Single().Name);

        // Without the section the optimizer stops; the status page shows the file in force.
        File.WriteAllText(path, "collectors: { interval: 3s }\n");
        Assert.Null(await server.ReloadConfigAsync());
        Assert.Null(server.Optimizer);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/status/config"));
        Assert.Equal("collectors: { interval: 3s }\n", doc.RootElement.GetProperty("data").GetProperty("yaml").GetString());
    }

    [Fact]
    public async Task Reload_SeedThresholdsChanged_UnchangedSeedAlertKeepsItsState()
    {
        string path = Write("vigil.yaml", """
            global: { evaluation_interval: 1s }
            performance_collection:
              alert_thresholds:
                cpu_usage: { warning_threshold: 70, critical_threshold: 85, for: 1h }
                memory_usage: { warning_threshold: 75, critical_threshold: 90, for: 1h }
            """);
        var storage = new MemoryStorage();
        var app = storage.Appender();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < 120; i++)
        {
            app.Append(LabelSet.Of("__name__", "cpu_usage"), now + (i * 1000), 95);
            app.Append(LabelSet.Of("__name__", "memory_usage"), now + (i * 1000), 95);
        }
        app.Commit();
        await using var server = new VigilServer(Bind(VigilConfig.Load(path)), storage);
        await server.StartAsync();
        await Poll.UntilAsync(() => Task.FromResult(server.Rules!.Alerts().Count == 4));
        var before = server.Rules!.Alerts().ToDictionary(a => a.Rule.Name + "/" + a.Alert.Labels.Get("severity"), a => a.Alert.ActiveAtMs);

        await Task.Delay(20);
        File.WriteAllText(path, File.ReadAllText(path).Replace("memory_usage: { warning_threshold: 75", "memory_usage: { warning_threshold: 80", StringComparison.Ordinal));
        Assert.Null(await server.ReloadConfigAsync());
        await Poll.UntilAsync(() => Task.FromResult(server.Rules!.Alerts().Count == 4));
        var after = server.Rules!.Alerts().ToDictionary(a => a.Rule.Name + "/" + a.Alert.Labels.Get("severity"), a => a.Alert.ActiveAtMs);
        Assert.Equal(before["cpu_usage_high/warning"], after["cpu_usage_high/warning"]);
        Assert.Equal(before["cpu_usage_high/critical"], after["cpu_usage_high/critical"]);
        Assert.Equal(before["memory_usage_high/critical"], after["memory_usage_high/critical"]);
        Assert.True(after["memory_usage_high/warning"] > before["memory_usage_high/warning"], "the changed threshold's alert starts over");
        Assert.Equal(SeedRuleCompiler.ThresholdGroupName, Assert.Single(server.Rules.Groups).Name);
    }
}
