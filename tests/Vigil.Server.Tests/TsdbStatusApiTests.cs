using System.Net;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

public sealed class TsdbStatusApiTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-tsdb-status-").FullName;
    private readonly long _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private TsdbStorage _storage = null!;
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync()
    {
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        _vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, _storage);
    }

    public async Task DisposeAsync()
    {
        await _vigil.DisposeAsync();
        _storage.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private void Append(params (LabelSet Labels, long T)[] samples)
    {
        var appender = _storage.Appender();
        foreach (var (labels, t) in samples)
        {
            appender.Append(labels, t, 1);
        }
        appender.Commit();
    }

    private async Task<JsonElement> StatusAsync(string query = "")
    {
        using var r = await Http.GetAsync("/api/v1/status/tsdb" + query);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    private static List<(string Name, long Value)> Top(JsonElement data, string list)
        => data.GetProperty(list).EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("value").GetInt64())).ToList();

    [Fact]
    public async Task Tsdb_KnownSeries_CountsCardinalityAsPrometheus()
    {
        long t0 = _now - 10 * 60_000;
        Append(
            (LabelSet.Of("__name__", "a", "job", "x", "i", "1"), t0),
            (LabelSet.Of("__name__", "a", "job", "x", "i", "2"), t0 + 1000),
            (LabelSet.Of("__name__", "bb", "job", "x"), t0 + 5000),
            (LabelSet.Of("__name__", "a", "job", "x", "i", "1"), t0 + 9000));

        var data = await StatusAsync();

        var head = data.GetProperty("headStats");
        Assert.Equal(3, head.GetProperty("numSeries").GetInt64());
        Assert.Equal(5, head.GetProperty("numLabelPairs").GetInt64());
        Assert.Equal(t0, head.GetProperty("minTime").GetInt64());
        Assert.Equal(t0 + 9000, head.GetProperty("maxTime").GetInt64());
        Assert.Equal([("a", 2L), ("bb", 1L)], Top(data, "seriesCountByMetricName"));
        Assert.Equal([("__name__", 2L), ("i", 2L), ("job", 1L)], Top(data, "labelValueCountByLabelName"));
        Assert.Equal([("__name__", 3L), ("i", 2L), ("job", 1L)], Top(data, "memoryInBytesByLabelName"));
        Assert.Equal([("job=x", 3L), ("__name__=a", 2L), ("__name__=bb", 1L), ("i=1", 1L), ("i=2", 1L)], Top(data, "seriesCountByLabelValuePair"));
    }

    [Fact]
    public async Task Tsdb_Limit_CutsEveryList()
    {
        Append((LabelSet.Of("__name__", "a", "i", "1"), _now), (LabelSet.Of("__name__", "b", "i", "2"), _now));

        var data = await StatusAsync("?limit=1");

        Assert.Equal(2, data.GetProperty("headStats").GetProperty("numSeries").GetInt64());
        foreach (string list in new[] { "seriesCountByMetricName", "labelValueCountByLabelName", "memoryInBytesByLabelName", "seriesCountByLabelValuePair" })
        {
            Assert.Single(Top(data, list));
        }
    }

    [Fact]
    public async Task Tsdb_OnlyOldData_FindsTheNewestSampleAnyway()
    {
        long old = _now - 5 * 3600_000;
        Append((LabelSet.Of("__name__", "a"), old), (LabelSet.Of("__name__", "a"), old + 60_000));

        var head = (await StatusAsync()).GetProperty("headStats");

        Assert.Equal(old, head.GetProperty("minTime").GetInt64());
        Assert.Equal(old + 60_000, head.GetProperty("maxTime").GetInt64());
    }

    [Fact]
    public async Task Tsdb_EmptyStorage_ReportsZeroSeries()
    {
        var data = await StatusAsync();

        Assert.Equal(0, data.GetProperty("headStats").GetProperty("numSeries").GetInt64());
        Assert.Empty(Top(data, "seriesCountByMetricName"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("ten")]
    public async Task Tsdb_BadLimit_Returns400WithPrometheusError(string limit)
    {
        using var r = await Http.GetAsync("/api/v1/status/tsdb?limit=" + limit);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("bad_data", doc.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("limit must be a positive number", doc.RootElement.GetProperty("error").GetString());
    }
}
