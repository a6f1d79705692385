using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil bench insights</c> in-process: the generated scenarios through the real analysis.</summary>
public sealed class BenchInsightsCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("vigil-bench-insights-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private async Task<JsonDocument> RunAsync(params string[] more)
    {
        string json = Path.Combine(_tmp, "insights.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["bench", "insights", "--json", json, .. more], new FixedStorageProvider(new MemoryStorage()), stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("PRECISION", stdout.ToString(), StringComparison.Ordinal);
        return JsonDocument.Parse(File.ReadAllText(json));
    }

    [Fact]
    public async Task BenchInsights_HealthyScenarios_NoInsightOverTheHour()
    {
        using var doc = await RunAsync("--scenario", "seasonal-traffic", "--scenario", "idle-host");
        var scenarios = doc.RootElement.GetProperty("scenarios").EnumerateArray().ToList();
        Assert.Equal(["seasonal-traffic", "idle-host"], scenarios.Select(s => s.GetProperty("name").GetString()));
        foreach (var s in scenarios)
        {
            Assert.True(s.GetProperty("healthy").GetBoolean());
            Assert.True(s.GetProperty("insights").GetArrayLength() == 0, s.ToString());
        }
    }

    [Fact]
    public async Task BenchInsights_CpuSaturation_BottleneckAndLatencyFoundWithoutScaleOut()
    {
        using var doc = await RunAsync("--scenario", "cpu-saturation");
        var s = Assert.Single(doc.RootElement.GetProperty("scenarios").EnumerateArray());
        Assert.Equal(0, s.GetProperty("missing").GetArrayLength());
        Assert.All(s.GetProperty("insights").EnumerateArray(), i => Assert.True(i.GetProperty("correct").GetBoolean(), i.ToString()));
    }

    [Fact]
    public async Task BenchInsights_UnknownScenario_ExitsTwoNamingTheChoices()
    {
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["bench", "insights", "--scenario", "nope"], new FixedStorageProvider(new MemoryStorage()), new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("unknown scenario \"nope\": expected one of cpu-saturation", stderr.ToString(), StringComparison.Ordinal);
    }
}
