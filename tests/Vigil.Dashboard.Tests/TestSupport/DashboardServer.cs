using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Server.Config;
using Vigil.Rules;
using Vigil.Tsdb;

namespace Vigil.Dashboard.Tests.TestSupport;

/// <summary>
/// One <see cref="VigilServer"/> on a free loopback port over a real <see cref="TsdbStorage"/> holding known data,
/// plus Debian's Chromium driven by Playwright. Shared by the browser tests of one collection.
/// </summary>
public sealed class DashboardServer : IAsyncLifetime
{
    /// <summary>Debian's Chromium; Playwright's own browser download cannot be used here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The gauge the Explore tests query: one series per room, a sample every 15 s for an hour.</summary>
    public const string TestMetric = "dashboard_test_temperature_celsius";

    public const int SampleIntervalSeconds = 15;

    /// <summary>An alert that fires for the kitchen (22.5 °C at the last sample) and not for the cellar (19.25 °C).</summary>
    public const string FiringAlert = "KitchenTooWarm";

    private const string RuleFile = """
        groups:
          - name: rooms
            interval: 1s
            rules:
              - alert: KitchenTooWarm
                expr: dashboard_test_temperature_celsius > 20
                labels:
                  severity: warning
                annotations:
                  summary: "{{ $labels.room }} is at {{ $value }} °C"
              - alert: CellarFrozen
                expr: dashboard_test_temperature_celsius{room="cellar"} < 0
                for: 5m
              - record: job:dashboard_test_temperature_celsius:avg
                expr: avg by (job) (dashboard_test_temperature_celsius)
        """;

    /// <summary>The simulated service latency the optimizer's policies act on, one series per app.</summary>
    public const string LatencyMetric = "dashboard_test_request_seconds";

    /// <summary>The policy whose action helps (more kitchen workers: lower latency), so the evaluator keeps it.</summary>
    public const string HelpfulPolicy = "more-kitchen-workers";

    /// <summary>The policy whose action hurts (fewer cellar workers: higher latency), so the evaluator rolls it back.</summary>
    public const string HarmfulPolicy = "fewer-cellar-workers";

    /// <summary>
    /// The optimizer in auto mode with a command executor that writes a worker count into a file of <c>knobs/</c>; the
    /// simulator reads those files. Both policies react to the firing kitchen alert, once each (a long cooldown).
    /// </summary>
    private static string OptimizationYaml(string knobs) => $$"""
        optimization:
          mode: auto
          interval: 200ms
          cooldown: 1h
          evaluation: { baseline: 3s, settle: 600ms, observation: 3s, step: 200ms }
          executors:
            - name: workers
              type: command
              working_dir: '{{knobs}}'
              capture_command: [/bin/cat, '{{"{{"}} .Parameters.app {{"}}"}}']
              command: [/bin/sh, -c, 'printf %s "$1" > "$2" && cat "$2"', sh, '{{"{{"}} .Parameters.workers {{"}}"}}', '{{"{{"}} .Parameters.app {{"}}"}}']
              rollback_command: [/bin/sh, -c, 'printf %s "$VIGIL_PREVIOUS" > "$1"', sh, '{{"{{"}} .Parameters.app {{"}}"}}']
          policies:
            - name: {{HelpfulPolicy}}
              match: { alert: {{FiringAlert}} }
              action: { type: ScaleUp, executor: workers, target: kitchen/workers, parameters: { app: kitchen, workers: "8" }, description: double the kitchen's workers }
              evaluation:
                target: { name: latency, query: '{{LatencyMetric}}{app="kitchen"}', better: lower }
            - name: {{HarmfulPolicy}}
              match: { alert: {{FiringAlert}} }
              action: { type: ConfigurationUpdate, executor: workers, target: cellar/workers, parameters: { app: cellar, workers: "2" }, description: halve the cellar's workers }
              evaluation:
                target: { name: latency, query: '{{LatencyMetric}}{app="cellar"}', better: lower }
        """;

    /// <summary>The series the analysis scores: an hour of quiet history, then live points and one spike.</summary>
    public const string QueueMetric = "dashboard_test_queue_seconds";

    /// <summary>The spike's value, far outside the history (0.10 to 0.11).</summary>
    public const double Spike = 1.5;

    /// <summary>The analysis scores the shop's queue only (so the test knows what is anomalous), every 250 ms.</summary>
    private const string AnalysisYaml = """
        analysis:
          evaluation_interval: 250ms
          builtin_series: false
          selectors: ['{job="shop"}']
          detector: { name: vigil, parameters: { min_points: 100 } }
          hold: 10m
          insights: { interval: 250ms }
        """;

    private static readonly LabelSet Queue = LabelSet.Of("__name__", QueueMetric, "job", "shop", "instance", "web-1");

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-dashboard-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private Task _simulator = Task.CompletedTask;
    private long _spikeAtMs = long.MaxValue;
    private IPlaywright? _playwright;
    private NodeExporter? _nodeExporter;

    /// <summary>The scrape target that answers (a real node exporter), host:port.</summary>
    public string UpTarget { get; private set; } = string.Empty;

    /// <summary>The scrape target nobody listens on, host:port.</summary>
    public string DownTarget { get; } = $"127.0.0.1:{NodeExporter.FreePort()}";

    internal TsdbStorage Storage { get; private set; } = null!;

    internal VigilServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The last sample time of <see cref="TestMetric"/>, unix seconds, on a whole minute.</summary>
    public long EndSeconds { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60 - 60;

    /// <summary>The value of <see cref="TestMetric"/> for <paramref name="room"/> at sample <paramref name="i"/> (0 = an hour before the end).</summary>
    public static double Value(string room, int i) => (room == "kitchen" ? 21.5 : 18.25) + (i % 7) * 0.5;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the dashboard tests need Debian's Chromium (apt-get install chromium)");
        }
        Storage = TsdbStorage.Open(new TsdbOptions { DataDir = Path.Combine(_dataDir, "data"), DisableBackgroundMaintenance = true });
        AppendTestData();
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "rooms.rules.yml"), RuleFile);
        string knobs = Path.Combine(_dataDir, "knobs");
        Directory.CreateDirectory(knobs);
        await File.WriteAllTextAsync(Path.Combine(knobs, "kitchen"), "4");
        await File.WriteAllTextAsync(Path.Combine(knobs, "cellar"), "4");
        // Note: the optimizer compares a baseline window taken before its first action, so the latency exists from the start.
        _simulator = Task.Run(() => SimulateAsync(knobs));
        _nodeExporter = await NodeExporter.StartAsync();
        UpTarget = $"127.0.0.1:{_nodeExporter.Port}";
        string configYaml = $$"""
            scrape_configs:
              - job_name: node
                scrape_interval: 1s
                static_configs:
                  - targets: ['{{UpTarget}}', '{{DownTarget}}']
            """ + "\n" + OptimizationYaml(knobs) + "\n" + AnalysisYaml;
        var config = VigilConfig.Parse(configYaml);
        Server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromSeconds(1),
            Instance = "dashboard-test",
            ScrapeConfigs = config.ScrapeConfigs,
            ConfigYaml = ConfigRedactor.Redact(configYaml),
            Optimization = config.Optimization,
            Analysis = config.Analysis,
            DataDirectory = _dataDir,
            Rules = new RuleManagerOptions
            {
                RuleFiles = ["rooms.rules.yml"],
                BaseDirectory = _dataDir,
                EvaluationInterval = TimeSpan.FromSeconds(1),
            },
        }, Storage);
        await Server.StartAsync();
        Volatile.Write(ref _spikeAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3000);
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    private void AppendTestData()
    {
        var appender = Storage.Appender();
        foreach (string room in new[] { "kitchen", "cellar" })
        {
            var labels = LabelSet.Of("__name__", TestMetric, "job", "sensors", "room", room);
            var reference = SeriesRef.None;
            for (int i = 0; i <= 3600 / SampleIntervalSeconds; i++)
            {
                long t = (EndSeconds - 3600 + i * SampleIntervalSeconds) * 1000;
                if (!appender.TryAppend(ref reference, labels, t, Value(room, i), out var error))
                {
                    throw new InvalidOperationException($"appending test data failed: {error}");
                }
            }
        }
        var queueRef = SeriesRef.None;
        for (int i = 0; i <= 3600 / SampleIntervalSeconds; i++)
        {
            appender.TryAppend(ref queueRef, Queue, (EndSeconds - 3600 + (i * SampleIntervalSeconds)) * 1000, QueueValue(i), out _);
        }
        appender.Commit();
    }

    /// <summary>The quiet queue time: 0.10 to 0.11 s.</summary>
    private static double QueueValue(int i) => 0.1 + ((i * 37 % 11) * 0.001);

    /// <summary>
    /// Writes each app's latency every 100 ms: 0.4 s divided by its worker count (read from its knob file), ±5 % noise.
    /// </summary>
    private async Task SimulateAsync(string knobs)
    {
        var rng = new Random(11);
        var refs = new Dictionary<string, SeriesRef>(StringComparer.Ordinal);
        var workers = new Dictionary<string, double> { ["kitchen"] = 4, ["cellar"] = 4 };
        var queueRef = SeriesRef.None;
        int tick = 0;
        bool spiked = false;
        while (!_stop.IsCancellationRequested)
        {
            var appender = Storage.Appender();
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Note: the spike comes once, seconds after the server started, when the analysis has learned the history.
            bool spike = !spiked && now >= Volatile.Read(ref _spikeAtMs);
            spiked |= spike;
            appender.TryAppend(ref queueRef, Queue, now, spike ? Spike : QueueValue(++tick), out _);
            foreach (string app in new[] { "kitchen", "cellar" })
            {
                // Note: a knob file being rewritten may read empty for a moment; the last value holds then.
                if (double.TryParse(await ReadKnobAsync(Path.Combine(knobs, app)), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out double n) && n > 0)
                {
                    workers[app] = n;
                }
                var reference = refs.GetValueOrDefault(app, SeriesRef.None);
                appender.TryAppend(ref reference, LabelSet.Of("__name__", LatencyMetric, "app", app), now,
                    0.4 / workers[app] * (1 + ((rng.NextDouble() - 0.5) * 0.1)), out _);
                refs[app] = reference;
            }
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

    private static async Task<string> ReadKnobAsync(string file)
    {
        try
        {
            return await File.ReadAllTextAsync(file);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Waits until both policies' executions have ended and returns <c>/api/v1/optimizations</c>'s executions.</summary>
    public async Task<JsonElement> WaitForOptimizationsAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/optimizations"));
            var executions = doc.RootElement.GetProperty("data").GetProperty("executions");
            var ended = executions.EnumerateArray()
                .Where(e => e.GetProperty("status").GetString() is "Completed" or "RolledBack" or "Failed" or "Rejected")
                .Select(e => e.GetProperty("action").GetProperty("policy").GetString())
                .ToHashSet(StringComparer.Ordinal);
            if (ended.Contains(HelpfulPolicy) && ended.Contains(HarmfulPolicy))
            {
                return executions.Clone();
            }
            Assert.True(DateTime.UtcNow < deadline, $"the optimizer did not finish both executions within 90 s: {executions}");
            await Task.Delay(250);
        }
    }

    /// <summary>A new page at the dashboard's address with its console errors, page errors and 404 responses recorded.</summary>
    public Task<DashboardPage> OpenAsync() => OpenAsync(Server.BaseAddress);

    /// <summary>A new page at the dashboard of another server (a test's own) in this fixture's browser.</summary>
    public async Task<DashboardPage> OpenAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            TimezoneId = "UTC",
            Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return new DashboardPage(context, page, baseAddress);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        Http?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        await _stop.CancelAsync();
        await _simulator;
        _stop.Dispose();
        Storage?.Dispose();
        if (_nodeExporter is not null)
        {
            await _nodeExporter.DisposeAsync();
        }
        Directory.Delete(_dataDir, recursive: true);
    }
}
