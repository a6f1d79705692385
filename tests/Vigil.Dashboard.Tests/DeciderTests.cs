using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Dashboard.Tests.TestSupport;
using Vigil.Server;
using Vigil.Server.Config;
using Vigil.Tsdb;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The Optimizations page's Decider panel over a real server of its own: an objective (from YAML) with two levers that a
/// command executor writes into files — a pool the simulated p99 follows and a cache that does nothing — and a threshold
/// no setting reaches. The page must show each choice with its value, expected and measured effect, p-value and verdict,
/// and the objective's "out of reach" verdict with what was tried.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DeciderTests(DashboardServer fixture) : IAsyncLifetime
{
    private const string Metric = "dashboard_decider_p99_seconds";
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-decider-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private TsdbStorage _storage = null!;
    private VigilServer _server = null!;
    private Task _simulator = Task.CompletedTask;

    private string Knobs => Path.Combine(_dir, "knobs");

    private string Yaml => $$"""
        optimization:
          mode: auto
          interval: 200ms
          cooldown: 0s
          evaluation: { baseline: 2s, settle: 400ms, observation: 2s, step: 200ms }
          executors:
            - name: knobs
              type: command
              working_dir: '{{Knobs}}'
              capture_command: [/bin/cat, '{{"{{"}} .Parameters.tunable {{"}}"}}']
              command: [/bin/sh, -c, 'printf %s "$1" > "$2" && cat "$2"', sh, '{{"{{"}} .Parameters.set {{"}}"}}', '{{"{{"}} .Parameters.tunable {{"}}"}}']
              rollback_command: [/bin/sh, -c, 'printf %s "$VIGIL_PREVIOUS" > "$1"', sh, '{{"{{"}} .Parameters.tunable {{"}}"}}']
          objectives:
            - name: checkout-p99
              target: { name: p99, query: '{{Metric}}', better: lower }
              threshold: 0.02
              patience_trials: 2
              levers:
                - { name: pool, executor: knobs, target: checkout/pool, min: 2, max: 8, step: 1, cost_per_unit: 1 }
                - { name: cache, executor: knobs, target: checkout/cache, min: 16, max: 1024, step: 16 }
        """;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Knobs);
        await File.WriteAllTextAsync(Path.Combine(Knobs, "pool"), "4");
        await File.WriteAllTextAsync(Path.Combine(Knobs, "cache"), "64");
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = Path.Combine(_dir, "data"), DisableBackgroundMaintenance = true });
        _simulator = Task.Run(SimulateAsync);
        var config = VigilConfig.Parse(Yaml);
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromSeconds(1),
            CollectHost = false,
            Optimization = config.Optimization,
            DataDirectory = _dir,
        }, _storage);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _stop.CancelAsync();
        await _simulator;
        _stop.Dispose();
        _storage.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>p99 = 0.4 s / pool (read from its file), ±5 % noise, every 100 ms; the cache file changes nothing.</summary>
    private async Task SimulateAsync()
    {
        var rng = new Random(5);
        var labels = LabelSet.Of("__name__", Metric, "job", "checkout");
        var reference = SeriesRef.None;
        double pool = 4;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (double.TryParse(await File.ReadAllTextAsync(Path.Combine(Knobs, "pool")), NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
                {
                    pool = n;
                }
            }
            catch (IOException)
            {
                // Note: a file being rewritten; the last value holds.
            }
            var appender = _storage.Appender();
            appender.TryAppend(ref reference, labels, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0.4 / pool * (1 + ((rng.NextDouble() - 0.5) * 0.1)), out _);
            appender.Commit();
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task DeciderPanel_ShowsEveryChoiceWithExpectedAndMeasuredEffectPValueAndTheOutOfReachVerdict()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        JsonElement objective = default;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/v1/optimizations/objectives"));
            var objectives = doc.RootElement.GetProperty("data").GetProperty("objectives");
            // Note: the list fills after the optimizer's first pass.
            objective = objectives.GetArrayLength() > 0 ? objectives[0].Clone() : default;
            if (objective.ValueKind == JsonValueKind.Object && objective.TryGetProperty("verdict", out _))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no verdict within 120 s: {objective}");
            await Task.Delay(250);
        }
        Assert.Equal("OutOfReach", objective.GetProperty("verdict").GetString());
        var choices = objective.GetProperty("choices").EnumerateArray().ToList();
        Assert.Contains(choices, c => c.GetProperty("lever").GetString() == "pool" && c.GetProperty("status").GetString() == "Completed");
        Assert.Contains(choices, c => c.GetProperty("lever").GetString() == "cache" && c.GetProperty("status").GetString() == "RolledBack");

        await using var tab = await fixture.OpenAsync(_server.BaseAddress);
        await tab.GotoAsync("/optimizations");
        var page = tab.Page;
        var panel = page.Locator("section[data-panel=decider]");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-state", "ready");
        var view = panel.Locator("article.objective[data-objective='checkout-p99']");
        Assert.Equal("OutOfReach", await view.GetAttributeAsync("data-verdict"));
        Assert.Equal("out of reach of automatic levers", await view.Locator(".verdict-badge").InnerTextAsync());
        string reason = await view.Locator(".reason").InnerTextAsync();
        Assert.StartsWith("objective out of reach of automatic levers: checkout-p99 is 0.0", reason, StringComparison.Ordinal);
        Assert.Contains("pool 4→", reason, StringComparison.Ordinal);

        // One row per choice, newest first, as the API lists them: lever, value, expected and measured effect, p-value, verdict.
        var rows = view.Locator("table.choices tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(choices.Count);
        for (int i = 0; i < choices.Count; i++)
        {
            var c = choices[i];
            var row = rows.Nth(i);
            Assert.Equal(c.GetProperty("lever").GetString(), await row.Locator("td:nth-child(2)").InnerTextAsync());
            Assert.Equal($"{c.GetProperty("from").GetString()} → {c.GetProperty("to").GetString()}", await row.Locator("td:nth-child(3)").InnerTextAsync());
            double measured = c.GetProperty("measured").GetDouble();
            Assert.Equal(100 * measured, Percent(await row.Locator(".measured").InnerTextAsync()), 0.02 + Math.Abs(measured));
            double expected = c.GetProperty("expected").GetDouble();
            Assert.Equal(100 * expected, Percent(await row.Locator(".expected").InnerTextAsync()), 0.02 + Math.Abs(expected));
            double p = c.GetProperty("pValue").GetDouble();
            Assert.Equal(p < 0.001 ? p.ToString("0.00e+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture),
                await row.Locator("td:nth-child(7)").InnerTextAsync());
            string verdict = await row.Locator("td:nth-child(8)").InnerTextAsync();
            Assert.StartsWith(c.GetProperty("status").GetString() == "Completed" ? "kept" : "rolled back", verdict, StringComparison.Ordinal);
        }
        Assert.Empty(tab.Errors);
    }

    /// <summary>A signed percentage as the page shows it ("+33.12%"), as a number.</summary>
    private static double Percent(string text) => double.Parse(text.TrimStart('+').TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture);
}
