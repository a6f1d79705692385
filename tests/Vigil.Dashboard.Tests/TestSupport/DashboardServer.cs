using Microsoft.Playwright;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Server.Config;
using Vigil.Server.Rules;
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

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-dashboard-").FullName;
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
        _nodeExporter = await NodeExporter.StartAsync();
        UpTarget = $"127.0.0.1:{_nodeExporter.Port}";
        string configYaml = $$"""
            scrape_configs:
              - job_name: node
                scrape_interval: 1s
                static_configs:
                  - targets: ['{{UpTarget}}', '{{DownTarget}}']
            """;
        var config = VigilConfig.Parse(configYaml);
        Server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromSeconds(1),
            Instance = "dashboard-test",
            ScrapeConfigs = config.ScrapeConfigs,
            ConfigYaml = ConfigRedactor.Redact(configYaml),
            Rules = new RuleManagerOptions
            {
                RuleFiles = ["rooms.rules.yml"],
                BaseDirectory = _dataDir,
                EvaluationInterval = TimeSpan.FromSeconds(1),
            },
        }, Storage);
        await Server.StartAsync();
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
        appender.Commit();
    }

    /// <summary>A new page at the dashboard's address with its console errors, page errors and 404 responses recorded.</summary>
    public async Task<DashboardPage> OpenAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            TimezoneId = "UTC",
            Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return new DashboardPage(context, page, Server.BaseAddress);
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
        Storage?.Dispose();
        if (_nodeExporter is not null)
        {
            await _nodeExporter.DisposeAsync();
        }
        Directory.Delete(_dataDir, recursive: true);
    }
}
