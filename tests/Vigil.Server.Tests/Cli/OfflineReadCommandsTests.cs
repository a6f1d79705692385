using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Analysis.Insights;
using Vigil.Cli;
using Vigil.Core.Labels;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Cli;

/// <summary>
/// <c>vigil top</c> and <c>vigil analyze</c> read a data directory offline with <c>--data-dir</c>, as <c>query</c>,
/// <c>series</c>, <c>dump</c> and <c>forecast</c> do, and ask the server otherwise.
/// </summary>
public sealed class OfflineReadCommandsTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-offline-").FullName;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow.AddMinutes(-30));
    private VigilServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromMilliseconds(200),
            CollectHost = false,
            Instance = "offline",
        }, _storage);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => FixedStorageProvider.RunCliAsync(_storage, args);

    private static Finding F(string key, InsightType type, InsightSeverity severity, string description) => new(
        key, type, severity, description, new Dictionary<string, string> { ["instance"] = "web-1" }, [LabelSet.Of("__name__", "cpu_utilization", "instance", "web-1")], 0.9,
        new Dictionary<string, double> { ["utilization"] = 0.93 }, []);

    [Fact]
    public async Task Top_DataDir_ShowsWhatTheServerShows()
    {
        // The server's own process series, once rate() has two collections.
        List<string> serverKeys = [];
        await Poll.UntilAsync(async () =>
        {
            var (code, output, error) = await RunAsync("top", "--server", _server.BaseAddress.ToString(), "--once", "--output", "json");
            Assert.True(code == 0, error);
            using var doc = JsonDocument.Parse(output);
            var runtime = doc.RootElement.GetProperty("runtime").EnumerateObject().ToList();
            serverKeys = runtime.Select(p => p.Name).ToList();
            return runtime.Count > 0 && runtime.All(k => k.Value.TryGetProperty("cpu_percent", out _));
        }, () => "the server's top has no process CPU yet: " + string.Join(", ", serverKeys), TimeSpan.FromSeconds(30));

        var (offlineCode, offline, offlineError) = await RunAsync("top", "--data-dir", _dir, "--once", "--output", "json");

        Assert.True(offlineCode == 0, offlineError);
        using var json = JsonDocument.Parse(offline);
        var offlineRuntime = json.RootElement.GetProperty("runtime");
        Assert.Equal(serverKeys, offlineRuntime.EnumerateObject().Select(p => p.Name).ToList());
        Assert.True(offlineRuntime.GetProperty(serverKeys[0]).GetProperty("resident_memory_bytes").GetDouble() > 0);

        var (tableCode, table, _) = await RunAsync("top", "--data-dir", _dir, "--once");
        Assert.Equal(0, tableCode);
        Assert.Contains("vigil top · " + _dir, table, StringComparison.Ordinal);
        Assert.Contains("Resident memory", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_DataDirMissing_Exits1NamingIt()
    {
        string missing = Path.Combine(_dir, "nope");
        var (code, _, error) = await RunAsync("top", "--data-dir", missing, "--once");
        Assert.Equal(1, code);
        Assert.Equal($"vigil: data directory {missing} does not exist (give --data-dir DIR, or --server URL to read from a running server)\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Analyze_DataDir_ShowsTheSavedInsightsFiltered()
    {
        var store = new InsightStore(_dir, 10, NullLogger.Instance, _clock);
        store.Apply("bottleneck", [F("cpu/web-1", InsightType.BottleneckDetected, InsightSeverity.High, "cpu of web-1 at 93 %")]);
        store.Apply("trend", [F("disk/web-1", InsightType.TrendIdentified, InsightSeverity.Low, "disk of web-1 fills in 9 days")]);
        _clock.Advance(TimeSpan.FromMinutes(5));
        store.Apply("trend", []);

        var (code, table, error) = await RunAsync("analyze", "--data-dir", _dir);

        Assert.True(code == 0, error);
        string[] lines = table.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["SEVERITY", "TYPE", "STATE", "SINCE", "DESCRIPTION"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^High\s+BottleneckDetected\s+Active\s+30m\s+cpu of web-1 at 93 %$", lines[1].TrimEnd());
        Assert.Matches(@"^Low\s+TrendIdentified\s+Resolved\s+30m\s+disk of web-1 fills in 9 days$", lines[2].TrimEnd());
        Assert.Equal("1 active, 1 resolved", lines[^1]);

        (code, string json, error) = await RunAsync("analyze", "--data-dir", _dir, "--state", "resolved", "--output", "json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("enabled").GetBoolean());
        var only = Assert.Single(doc.RootElement.GetProperty("insights").EnumerateArray());
        Assert.Equal(("TrendIdentified", "Resolved"), (only.GetProperty("type").GetString(), only.GetProperty("state").GetString()));

        (code, table, _) = await RunAsync("analyze", "--data-dir", _dir, "--severity", "critical");
        Assert.Equal((0, "No insights.\n"), (code, table.ReplaceLineEndings("\n")));
    }

    [Fact]
    public async Task Analyze_DataDirWithoutInsights_Exits1SayingWhy()
    {
        var (code, output, error) = await RunAsync("analyze", "--data-dir", _dir);
        Assert.Equal((1, string.Empty), (code, output));
        Assert.Equal($"vigil: no insights saved in {_dir}: a server with analysis enabled writes {Path.Combine("insights", "insights.json")} there after its first analysis run\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Analyze_UnknownSeverity_Exits2ListingTheNames()
    {
        var (code, _, error) = await RunAsync("analyze", "--data-dir", _dir, "--severity", "urgent");
        Assert.Equal(2, code);
        Assert.Contains("--severity: \"urgent\" is not one of Low, Medium, High, Critical", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_WithoutDataDir_AsksTheServer()
    {
        var (code, output, error) = await RunAsync("analyze", "--server", _server.BaseAddress.ToString(), "--output", "json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        // This server runs without analysis, and says so; no data directory is read.
        Assert.False(doc.RootElement.GetProperty("enabled").GetBoolean());
    }
}
