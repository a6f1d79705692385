using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil bench forecast</c> in-process on the NAB dev files and the generated sets.</summary>
public sealed class BenchForecastCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("vigil-bench-forecast-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public async Task BenchForecast_DevAndSynthetic_SeasonalMaseBelowOneAndCoverageNearNominal()
    {
        string json = Path.Combine(_tmp, "forecast.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(["bench", "forecast", "--data", BenchNabCommandTests.NabDir(), "--json", json], new FixedStorageProvider(new MemoryStorage()), stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("synthetic seasonal", stdout.ToString(), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var sets = doc.RootElement.GetProperty("sets").EnumerateArray().ToDictionary(s => s.GetProperty("set").GetString()!);
        Assert.Equal(23, sets["nab (all dev files)"].GetProperty("series").GetInt32());
        var seasonal = sets["synthetic seasonal"];
        Assert.Equal(12, seasonal.GetProperty("series").GetInt32());
        Assert.True(seasonal.GetProperty("mase_mean").GetDouble() < 1, seasonal.ToString());
        foreach (string set in new[] { "nab (all dev files)", "synthetic seasonal", "synthetic flat rates" })
        {
            Assert.InRange(sets[set].GetProperty("coverage_80").GetDouble(), 0.75, 0.85);
            Assert.InRange(sets[set].GetProperty("coverage_95").GetDouble(), 0.90, 1.0);
        }
        Assert.Equal(41, doc.RootElement.GetProperty("series").GetArrayLength());
    }
}
