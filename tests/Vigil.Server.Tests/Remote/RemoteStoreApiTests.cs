using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Collection.Remote;
using Vigil.Core.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Remote;

/// <summary>
/// Vigil's query API over Debian's real VictoriaMetrics (<c>storage.remote</c>, no local TSDB): the same answers as
/// VictoriaMetrics gives itself, data pushed to Vigil arriving there, and failures of the store turned into
/// Prometheus-shaped errors.
/// </summary>
public sealed class RemoteStoreApiTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ExporterProcess _vm = null!;
    private RemoteStorage _storage = null!;
    private VigilServer _server = null!;
    private long _t0;

    public async Task InitializeAsync()
    {
        _vm = await ExporterProcess.StartVictoriaMetricsAsync();
        _storage = new RemoteStorage(new RemoteStoreOptions { Url = _vm.BaseAddress });
        _server = await StartVigilAsync(_storage);
        // Ten minutes of four counters, a sample every 15 s, pushed to Vigil in the text format with timestamps.
        _t0 = (Timestamp.Now() / 1000 * 1000) - 60_000;
        var text = new StringBuilder();
        foreach (string instance in new[] { "a", "b" })
        {
            foreach (string code in new[] { "200", "500" })
            {
                for (int i = 40; i >= 0; i--)
                {
                    double v = (40 - i) * (code == "200" ? 10 : 1) * (instance == "a" ? 1 : 3);
                    text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{job=\"api\",instance=\"{instance}\",code=\"{code}\"}} {v} {_t0 - (i * 15_000)}\n");
                }
            }
        }
        using var push = await _http.PostAsync(new Uri(_server.BaseAddress, "api/v1/import/prometheus"), new StringContent(text.ToString()));
        Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());
        await Poll.UntilAsync(async () => (await DataAsync(_vm.BaseAddress, "api/v1/query?query=" + Q("count(count_over_time(http_requests_total[15m]))") + "&time=" + Sec(_t0)))
            .GetProperty("result") is { ValueKind: JsonValueKind.Array } r && r.GetArrayLength() == 1 && r[0].GetProperty("value")[1].GetString() == "4");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _storage.Dispose();
        await _vm.DisposeAsync();
        _http.Dispose();
    }

    internal static async Task<VigilServer> StartVigilAsync(RemoteStorage storage)
    {
        var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            CollectSelf = false,
        }, storage);
        await server.StartAsync();
        return server;
    }

    private static string Q(string s) => Uri.EscapeDataString(s);

    private static string Sec(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private async Task<JsonElement> DataAsync(Uri baseAddress, string pathAndQuery)
    {
        using var response = await _http.GetAsync(new Uri(baseAddress, pathAndQuery));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{baseAddress}{pathAndQuery}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    /// <summary>A query answer as comparable text: result type, then each series' labels and (time, value) points, sorted by labels.</summary>
    private static string Normalize(JsonElement data)
    {
        if (data.ValueKind == JsonValueKind.Array)
        {
            var items = data.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? Labels(e) : e.GetString()!).ToList();
            items.Sort(StringComparer.Ordinal);
            return string.Join("\n", items);
        }
        string type = data.GetProperty("resultType").GetString()!;
        var lines = new List<string>();
        foreach (var s in data.GetProperty("result").EnumerateArray())
        {
            var points = type == "vector" ? [s.GetProperty("value")] : s.GetProperty("values").EnumerateArray().ToList();
            lines.Add(Labels(s.GetProperty("metric")) + " " + string.Join(" ", points.Select(p =>
                $"{p[0].GetDouble().ToString(CultureInfo.InvariantCulture)}={double.Parse(p[1].GetString()!, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)}")));
        }
        lines.Sort(StringComparer.Ordinal);
        return type + "\n" + string.Join("\n", lines);
    }

    private static string Labels(JsonElement metric)
        => "{" + string.Join(",", metric.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).Order(StringComparer.Ordinal)) + "}";

    [Theory]
    [InlineData("api/v1/query?query={q}&time={t0}", "sum by (job, code) (rate(http_requests_total[5m]))")]
    [InlineData("api/v1/query?query={q}&time={t0}", "http_requests_total{code=\"500\"}")]
    [InlineData("api/v1/query?query={q}&time={t0}", "topk(2, http_requests_total) / ignoring(code) group_left sum without (code) (http_requests_total)")]
    [InlineData("api/v1/query?query={q}&time={t0}", "http_requests_total{instance=\"b\"}[1m]")]
    [InlineData("api/v1/query_range?query={q}&start={t5}&end={t0}&step=30", "sum(rate(http_requests_total[2m]))")]
    [InlineData("api/v1/query_range?query={q}&start={t5}&end={t0}&step=60", "max by (instance) (http_requests_total)")]
    [InlineData("api/v1/series?match[]={q}&start={t5}&end={t0}", "http_requests_total{instance=\"a\"}")]
    [InlineData("api/v1/labels?match[]={q}&start={t5}&end={t0}", "http_requests_total")]
    [InlineData("api/v1/label/instance/values?match[]={q}&start={t5}&end={t0}", "http_requests_total{code=\"200\"}")]
    public async Task QueryApi_OverVictoriaMetrics_AnswersAsVictoriaMetricsItself(string template, string query)
    {
        string path = template.Replace("{q}", Q(query), StringComparison.Ordinal).Replace("{t0}", Sec(_t0), StringComparison.Ordinal)
            .Replace("{t5}", Sec(_t0 - 300_000), StringComparison.Ordinal);
        var theirs = await DataAsync(_vm.BaseAddress, path);
        var ours = await DataAsync(_server.BaseAddress, path);

        string expected = Normalize(theirs);
        Assert.Equal(expected, Normalize(ours));
        Assert.True(expected.Split('\n').Length >= 2, "the query should return data: " + expected);
    }

    [Fact]
    public async Task Export_OverVictoriaMetrics_ReturnsEveryPushedSample()
    {
        using var response = await _http.GetAsync(new Uri(_server.BaseAddress, "api/v1/export?match[]=" + Q("http_requests_total{instance=\"a\",code=\"500\"}")
            + "&start=" + Sec(_t0 - 900_000) + "&end=" + Sec(_t0)));
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = JsonDocument.Parse(Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(41, line.GetProperty("values").GetArrayLength());
        Assert.Equal(40, line.GetProperty("values")[40].GetDouble());
        Assert.Equal(_t0, line.GetProperty("timestamps")[40].GetInt64());
    }
}
