using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Api;

/// <summary><c>/api/v1/import/prometheus</c> and <c>/api/v1/push</c> over HTTP on an in-process server.</summary>
public sealed class PushApiTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(storage: _storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private LabelSet Series(string metric) => _storage.AllSeries().Single(l => l.Name == metric);

    [Fact]
    public async Task Import_TextFormatWithExtraLabel_StoresEverySample()
    {
        const string body = "# TYPE jobs_done_total counter\njobs_done_total{queue=\"a\"} 7 1700000000000\njobs_done_total{queue=\"b\"} 9 1700000000000\nqueue_depth{env=\"dev\"} 3\n";
        using var r = await Http.PostAsync("/api/v1/import/prometheus?extra_label=env=prod&extra_label=region=eu", new StringContent(body));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var jobs = _storage.AllSeries().Where(l => l.Name == "jobs_done_total").OrderBy(l => l.Get("queue")).ToList();
        Assert.Equal(2, jobs.Count);
        Assert.Equal(LabelSet.Of("__name__", "jobs_done_total", "queue", "a", "env", "prod", "region", "eu"), jobs[0]);
        Assert.Equal(9, _storage.SamplesOf(jobs[1]).Single().V);
        // extra_label wins over a label of the payload, as in VictoriaMetrics.
        Assert.Equal("prod", Series("queue_depth").Get("env"));
    }

    [Fact]
    public async Task Import_Valid_StoresWithTimestampsAndRecordsMetadata()
    {
        const string body = "# HELP build_seconds Build time.\n# TYPE build_seconds gauge\nbuild_seconds{project=\"x\"} 12.5 1700000000000\n";
        using var r = await Http.PostAsync("/api/v1/import/prometheus", new StringContent(body));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var sample = Assert.Single(_storage.SamplesOf(Series("build_seconds")));
        Assert.Equal(1_700_000_000_000, sample.T);
        Assert.Equal(12.5, sample.V);
        var md = await BodyAsync(await Http.GetAsync("/api/v1/metadata?metric=build_seconds"));
        Assert.Equal("gauge", md.GetProperty("data").GetProperty("build_seconds")[0].GetProperty("type").GetString());
        Assert.Equal("Build time.", md.GetProperty("data").GetProperty("build_seconds")[0].GetProperty("help").GetString());
    }

    [Fact]
    public async Task Import_Malformed_StoresNothingAndNamesLineAndColumn()
    {
        using var r = await Http.PostAsync("/api/v1/import/prometheus", new StringContent("first_ok 1\nsecond{a=\"1\" 2\n"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var json = await BodyAsync(r);
        Assert.Equal("error", json.GetProperty("status").GetString());
        Assert.Equal("bad_data", json.GetProperty("errorType").GetString());
        Assert.StartsWith("line 2, column 14: ", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("; nothing was stored", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Import_Gzip_IsDecompressed()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write("zipped 1\n"u8);
        }
        var content = new ByteArrayContent(ms.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var r = await Http.PostAsync("/api/v1/import/prometheus", content);
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Single(_storage.SamplesOf(Series("zipped")));
    }

    [Fact]
    public async Task Import_BadExtraLabel_400()
    {
        using var r = await Http.PostAsync("/api/v1/import/prometheus?extra_label=novalue", new StringContent("a 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("invalid parameter \"extra_label\"", (await BodyAsync(r)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_PerformanceMetrics_StoredWithTagsSourceAndTypes()
    {
        const string json = """
            [
              {"metric_id": "7d1c1a8e-0000-4000-8000-000000000001", "timestamp": "2023-11-14T22:13:20Z", "metric_type": "Gauge",
               "metric_name": "task_success_rate", "value": 0.97, "unit": "ratio", "tags": {"task": "summarize"}, "source": "agent"},
              {"timestamp": 1700000000, "metric_type": "Counter", "metric_name": "llm_cost_dollars_total", "value": 12.5, "unit": "dollars", "tags": {}, "source": "billing"},
              {"timestamp": 1700000000, "metric_type": "Histogram", "metric_name": "tool_latency_seconds", "value": 0.3, "tags": {"tool": "search"}},
              {"timestamp": 1700000000, "metric_type": "Histogram", "metric_name": "tool_latency_seconds", "value": 2, "tags": {"tool": "search"}}
            ]
            """;
        using var r = await Http.PostAsync("/api/v1/push", Json(json));
        var body = await BodyAsync(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(4, body.GetProperty("data").GetProperty("received").GetInt32());

        var rate = Series("task_success_rate");
        Assert.Equal(LabelSet.Of("__name__", "task_success_rate", "task", "summarize", "source", "agent"), rate);
        var sample = Assert.Single(_storage.SamplesOf(rate));
        Assert.Equal(1_700_000_000_000, sample.T);
        Assert.Equal(0.97, sample.V);
        Assert.Equal(12.5, Assert.Single(_storage.SamplesOf(Series("llm_cost_dollars_total"))).V);

        // Two observations of one histogram: cumulative buckets, sum and count at the last value for the timestamp.
        double Bucket(string le) => _storage.SamplesOf(_storage.AllSeries().Single(l => l.Name == "tool_latency_seconds_bucket" && l.Get("le") == le)).Single().V;
        Assert.Equal(0, Bucket("0.25"));
        Assert.Equal(1, Bucket("0.5"));
        Assert.Equal(2, Bucket("2.5"));
        Assert.Equal(2, Bucket("+Inf"));
        Assert.Equal(2.3, _storage.SamplesOf(Series("tool_latency_seconds_sum")).Single().V, 10);
        Assert.Equal(2, _storage.SamplesOf(Series("tool_latency_seconds_count")).Single().V);
        Assert.Equal("search", Series("tool_latency_seconds_count").Get("tool"));

        var md = (await BodyAsync(await Http.GetAsync("/api/v1/metadata"))).GetProperty("data");
        Assert.Equal("counter", md.GetProperty("llm_cost_dollars_total")[0].GetProperty("type").GetString());
        Assert.Equal("dollars", md.GetProperty("llm_cost_dollars_total")[0].GetProperty("unit").GetString());
        Assert.Equal("histogram", md.GetProperty("tool_latency_seconds")[0].GetProperty("type").GetString());

        // A later observation continues the totals.
        using var r2 = await Http.PostAsync("/api/v1/push", Json("""{"timestamp": 1700000010, "metric_type": "Histogram", "metric_name": "tool_latency_seconds", "value": 0.01, "tags": {"tool": "search"}}"""));
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal([2.0, 3.0], _storage.SamplesOf(Series("tool_latency_seconds_count")).Select(s => s.V));
    }

    [Fact]
    public async Task Push_SameSeriesAgain_StoredUnderTheSameLabelsFromTheSeriesCache()
    {
        // The second and third requests hit the JSON series cache (same raw name, tags and source); the fourth writes the
        // tags in another order (another cache key) and must still land on the same series.
        string Item(int seconds, double value, string tags = """{"b": "2", "a": "1"}""")
            => $$"""{"metric_name": "jobs_running", "value": {{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "timestamp": {{1700000000 + seconds}}, "tags": {{tags}}, "source": "svc"}""";
        foreach (var (seconds, value, tags) in new[] { (0, 1.0, (string?)null), (10, 2.0, null), (20, 3.0, null), (30, 4.0, """{"a": "1", "b": "2"}""") })
        {
            using var r = await _http.PostAsync("/api/v1/push", Json("[" + (tags is null ? Item(seconds, value) : Item(seconds, value, tags)) + "]"));
            Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
        }
        var series = Assert.Single(_storage.AllSeries(), l => l.Name == "jobs_running");
        Assert.Equal(LabelSet.Of("__name__", "jobs_running", "a", "1", "b", "2", "source", "svc"), series);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], _storage.SamplesOf(series).Select(x => x.V));
        Assert.Equal(1_700_000_030_000, _storage.SamplesOf(series)[^1].T);
    }

    [Fact]
    public async Task Push_KnownSeriesWithRepeatedTagsField_400AndNothingStored()
    {
        using (var r = await _http.PostAsync("/api/v1/push", Json("""{"metric_name": "m", "tags": {"a": "1"}, "value": 1, "timestamp": 1700000000}""")))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        // The same name and tags, but a second "tags" field: not a known series, and refused as before.
        using var bad = await _http.PostAsync("/api/v1/push", Json("""{"metric_name": "m", "tags": {"a": "1"}, "tags": {"a": "1"}, "value": 2, "timestamp": 1700000010}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("tag \"a\" is given twice", (await BodyAsync(bad)).GetProperty("error").GetString(), StringComparison.Ordinal);
        // A known series with another field wrong is refused too.
        using var bad2 = await _http.PostAsync("/api/v1/push", Json("""{"metric_name": "m", "tags": {"a": "1"}, "value": "many", "timestamp": 1700000020}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad2.StatusCode);
        Assert.Equal([1.0], _storage.SamplesOf(Series("m")).Select(x => x.V));
    }

    [Fact]
    public async Task Push_ConcurrentSendersSharingSeries_EverySampleStoredUnderItsOwnSeries()
    {
        // Eight senders, each with its own hosts, all using the same metric names and tag names; twenty requests each.
        const int Senders = 8, Requests = 20, Metrics = 25;
        var tasks = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                var items = Enumerable.Range(0, Metrics).Select(m =>
                    $$$"""{"metric_name": "m{{{m % 5}}}", "value": {{{i}}}, "timestamp": {{{1700000000 + i}}}, "tags": {"host": "h{{{sender}}}", "k": "{{{m}}}"}}""");
                using var r = await _http.PostAsync("/api/v1/push", Json("[" + string.Join(",", items) + "]"));
                Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var all = _storage.AllSeries().Where(l => l.Get("host").StartsWith('h')).ToList();
        Assert.Equal(Senders * Metrics, all.Count);
        foreach (var series in all)
        {
            Assert.Equal($"m{int.Parse(series.Get("k"), System.Globalization.CultureInfo.InvariantCulture) % 5}", series.Name);
            Assert.Equal(Enumerable.Range(0, Requests).Select(i => (double)i), _storage.SamplesOf(series).Select(x => x.V));
        }
    }

    [Fact]
    public async Task Push_InvalidItems_ReportedByIndexAndNothingStored()
    {
        const string json = """
            [
              {"metric_name": "fine", "value": 1},
              {"metric_name": "", "value": 1},
              {"metric_name": "neg", "value": -1, "metric_type": "Counter"},
              {"metric_name": "typo", "value": 1, "tagz": {}},
              {"metric_name": "bad_tag", "value": 1, "tags": {"__x": "y"}},
              {"metric_name": "when", "value": 1, "timestamp": "yesterday"},
              {"metric_name": "kind", "value": 1, "metric_type": "Meter"}
            ]
            """;
        using var r = await Http.PostAsync("/api/v1/push", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await BodyAsync(r);
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.StartsWith("6 of 7 items are invalid; nothing was stored (first: item 1: metric_name must be a non-empty string)", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("error").GetString()!)).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], errors.Select(e => e.Item1));
        Assert.Equal("a Counter value must be a non-negative number, got -1", errors[1].Item2);
        Assert.StartsWith("unknown field \"tagz\"", errors[2].Item2, StringComparison.Ordinal);
        Assert.StartsWith("tag \"__x\" is not a valid label name", errors[3].Item2, StringComparison.Ordinal);
        Assert.StartsWith("timestamp must be RFC 3339", errors[4].Item2, StringComparison.Ordinal);
        Assert.StartsWith("metric_type must be Counter, Gauge, Histogram or Summary, got \"Meter\"", errors[5].Item2, StringComparison.Ordinal);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Push_StorageRefusesOneItem_WholeBatchRolledBack()
    {
        using (var first = await Http.PostAsync("/api/v1/push", Json("""{"metric_name": "orders", "value": 5, "timestamp": 1700000100}""")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        const string json = """
            [
              {"metric_name": "other", "value": 1, "timestamp": 1700000200},
              {"metric_name": "orders", "value": 6, "timestamp": 1700000000}
            ]
            """;
        using var r = await Http.PostAsync("/api/v1/push", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var error = Assert.Single((await BodyAsync(r)).GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.StartsWith("out of order sample", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name == "other");
        Assert.Single(_storage.SamplesOf(Series("orders")));
    }

    [Fact]
    public async Task Push_NotJson_400WithPosition()
    {
        using var r = await Http.PostAsync("/api/v1/push", Json("[{\"metric_name\": \"x\",]"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.StartsWith("invalid JSON at line 1, byte ", (await BodyAsync(r)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_SingleObjectAndMetricsWrapper_Accepted()
    {
        using var a = await Http.PostAsync("/api/v1/push", Json("""{"metric_name": "one", "value": 1}"""));
        using var b = await Http.PostAsync("/api/v1/push", Json("""{"metrics": [{"metric_name": "two", "value": 2}]}"""));
        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(2, _storage.SamplesOf(Series("two")).Single().V);
    }
}
