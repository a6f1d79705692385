using System.Globalization;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil forecast</c> on a data directory and on a running server, against a series with a known model.</summary>
public sealed class ForecastCommandTests : IDisposable
{
    private const long End = 1_700_000_000_000;
    private const long Step = 300_000;
    private readonly MemoryStorage _storage = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-forecast-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    /// <summary>Hourly cycle (12 steps of 5 minutes) around 100, amplitude 20.</summary>
    private static double Truth(long t) => 100 + (20 * Math.Sin(2 * Math.PI * (t % 3_600_000) / 3_600_000.0));

    public ForecastCommandTests()
    {
        var r = new Random(9);
        var app = _storage.Appender();
        for (long t = End - 86_400_000; t <= End; t += Step)
        {
            app.Append(LabelSet.Of("__name__", "demand", "job", "shop"), t, Truth(t) + (r.NextDouble() - 0.5));
        }
        for (int i = 0; i < 3; i++)
        {
            app.Append(LabelSet.Of("__name__", "short_lived", "job", "shop"), End - ((2 - i) * Step), 4 + i);
        }
        app.Commit();
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(_storage), stdout, stderr);
        return (code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString());
    }

    [Fact]
    public async Task Forecast_DataDir_SeasonFoundAndPointsWithIntervalsNearTheModel()
    {
        var (code, output, err) = await RunAsync("forecast", "demand", "--horizon", "1h", "--lookback", "1d", "--step", "5m", "--time", "1700000000", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("demand{job=\"shop\"}: Holt–Winters, season 12 steps", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("fitted on 289 steps", lines[0], StringComparison.Ordinal);
        Assert.Equal(["TIME", "VALUE", "LOWER", "UPPER"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(13, lines.Length - 1);
        Assert.StartsWith("2023-11-14T22:18:20.000Z", lines[2], StringComparison.Ordinal);
        for (int h = 1; h <= 12; h++)
        {
            var cols = lines[h + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double value = double.Parse(cols[1], CultureInfo.InvariantCulture);
            double lower = double.Parse(cols[2], CultureInfo.InvariantCulture);
            double upper = double.Parse(cols[3], CultureInfo.InvariantCulture);
            double truth = Truth(End + (h * Step));
            Assert.True(Math.Abs(value - truth) < 1.5, $"step {h}: forecast {value}, model {truth}");
            Assert.InRange(truth, lower, upper);
        }
    }

    [Fact]
    public async Task Forecast_ServerJson_ModelAndPoints()
    {
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, _storage);
        var server = vigil.Server;
        var (code, output, err) = await RunAsync("forecast", "demand", "--horizon", "30m", "--lookback", "1d", "--step", "300", "--time", "1700000000", "-o", "json", "--server", server.BaseAddress.ToString());
        Assert.True(code == 0, err);
        var series = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("series").EnumerateArray());
        Assert.Equal("demand", series.GetProperty("metric").GetProperty("__name__").GetString());
        Assert.Equal(("holt_winters", 12), (series.GetProperty("model").GetProperty("kind").GetString(), series.GetProperty("model").GetProperty("period_steps").GetInt32()));
        var points = series.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(6, points.Count);
        Assert.Equal(1_700_000_300, points[0][0].GetDouble());
        Assert.True(double.Parse(points[0][2].GetString()!, CultureInfo.InvariantCulture) < double.Parse(points[0][1].GetString()!, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(new[] { "forecast", "demand", "--level", "2" }, "--level: must be between 0 and 1 (exclusive), got 2")]
    [InlineData(new[] { "forecast", "demand", "--horizon", "soon" }, "--horizon: ")]
    public async Task Forecast_BadOptions_Exit2(string[] args, string message)
    {
        var (code, _, err) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_ShortSeries_ClearMessageWithoutExceptionText()
    {
        var (code, _, err) = await RunAsync("forecast", "short_lived", "--horizon", "1h", "--lookback", "1h", "--step", "5m", "--time", "1700000000", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        Assert.Contains("vigil: short_lived{job=\"shop\"}: not forecast: a forecast needs at least 4 values, the series has 3\n", err.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("vigil: no series had enough data to forecast (at least 4 points)", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_NonNegativeSeries_JsonSaysSoAndNoBoundBelowZero()
    {
        var (code, output, err) = await RunAsync("forecast", "demand", "--horizon", "1h", "--lookback", "1d", "--step", "5m", "--time", "1700000000", "-o", "json", "--data-dir", _dataDir);
        Assert.True(code == 0, err);
        var series = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("series").EnumerateArray());
        Assert.True(series.GetProperty("model").GetProperty("non_negative").GetBoolean());
        Assert.True(series.GetProperty("model").GetProperty("calibration_errors").GetInt32() > 0);
        Assert.All(series.GetProperty("points").EnumerateArray(), p => Assert.True(double.Parse(p[2].GetString()!, CultureInfo.InvariantCulture) >= 0));
    }

    [Fact]
    public async Task Forecast_NoData_Exit1WithTheRange()
    {
        // Note: a 1h horizon looks back three days by default, so a daily season can be seen twice.
        var (code, _, err) = await RunAsync("forecast", "missing_metric", "--horizon", "1h", "--time", "1700000000", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        Assert.Contains("the expression has no data between 2023-11-11T22:13:20.000Z and 2023-11-14T22:13:20.000Z", err, StringComparison.Ordinal);
    }
}
