using System.Net;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>A server over the embedded TSDB holding a small, known data set at 1700000000 (host metrics off, self metrics on).</summary>
public sealed class QueryServerFixture : IAsyncLifetime
{
    public const long T0 = 1_700_000_000_000;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-query-").FullName;

    internal TsdbStorage Storage { get; private set; } = null!;

    internal VigilServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        var app = Storage.Appender();
        var a = LabelSet.Of("__name__", "x_total", "job", "a", "instance", "1");
        var b = LabelSet.Of("__name__", "x_total", "job", "b", "instance", "2");
        app.Append(a, T0, 1);
        app.Append(a, T0 + 15_000, 5);
        app.Append(a, T0 + 30_000, 9);
        app.Append(b, T0, 2);
        app.Append(b, T0 + 15_000, 4);
        app.Append(b, T0 + 30_500, 8);
        for (int i = 0; i <= 4; i++)
        {
            app.Append(LabelSet.Of("__name__", "temperature", "job", "a"), T0 + (i * 15_000), 20 + i);
            app.Append(LabelSet.Of("__name__", "h_bucket", "le", "0.1"), T0 + (i * 15_000), 1 * i);
            app.Append(LabelSet.Of("__name__", "h_bucket", "le", "1"), T0 + (i * 15_000), 3 * i);
            app.Append(LabelSet.Of("__name__", "h_bucket", "le", "+Inf"), T0 + (i * 15_000), 4 * i);
        }
        app.Commit();
        Server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            Instance = "test-host",
        }, Storage);
        await Server.StartAsync();
        await Server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Storage.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }
}

/// <summary>
/// <c>/api/v1/query</c>, <c>query_range</c>, <c>format_query</c>, <c>query_exemplars</c>, <c>metadata</c> and
/// <c>status/buildinfo</c>: exact bodies where Prometheus's are known (the expected strings are what Prometheus 2.42
/// answers for the same data), status codes and error types otherwise.
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class QueryApiTests(QueryServerFixture fixture) : IClassFixture<QueryServerFixture>
{
    private HttpClient Http => fixture.Http;

    private static string Q(string s) => Uri.EscapeDataString(s);

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var r = await Http.GetAsync(url);
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, JsonElement Root)> PostAsync(string path, params (string Name, string Value)[] form)
    {
        using var content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var r = await Http.PostAsync(path, content);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return (r.StatusCode, doc.RootElement.Clone());
    }

    [Fact]
    public async Task Query_InstantVector_PrometheusBody()
    {
        var (status, body) = await GetAsync("/api/v1/query?query=x_total&time=1700000031");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" +
            "{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"1\",\"job\":\"a\"},\"value\":[1700000031,\"9\"]}," +
            "{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"2\",\"job\":\"b\"},\"value\":[1700000031,\"8\"]}]}}",
            body);
    }

    [Fact]
    public async Task Query_Rate_DropsNameAndPrintsShortestFloat()
    {
        // Note: for job b Prometheus 2.42 answers 0.13497267759562842: it clamps the extrapolation to the counter's zero
        // point before applying the 110 % threshold, Prometheus 3 (and Vigil) after.
        var (_, body) = await GetAsync("/api/v1/query?query=" + Q("rate(x_total[1m])") + "&time=1700000031");
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" +
            "{\"metric\":{\"instance\":\"1\",\"job\":\"a\"},\"value\":[1700000031,\"0.15444444444444447\"]}," +
            "{\"metric\":{\"instance\":\"2\",\"job\":\"b\"},\"value\":[1700000031,\"0.1266393442622951\"]}]}}",
            body);
    }

    [Theory]
    [InlineData("1/0", "+Inf")]
    [InlineData("-1/0", "-Inf")]
    [InlineData("0/0", "NaN")]
    [InlineData("1e-10", "0.0000000001")]
    [InlineData("1e21", "1000000000000000000000")]
    [InlineData("0.1+0.2", "0.30000000000000004")]
    [InlineData("-0.5", "-0.5")]
    public async Task Query_Scalar_ValueSpelledAsPrometheus(string query, string value)
    {
        var (_, body) = await GetAsync("/api/v1/query?query=" + Q(query) + "&time=1700000031");
        Assert.Equal("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1700000031,\"" + value + "\"]}}", body);
    }

    [Fact]
    public async Task Query_String_ReturnsStringResult()
    {
        var (_, body) = await GetAsync("/api/v1/query?query=" + Q("\"a \\\"b\\\"\"") + "&time=1700000031.25");
        Assert.Equal("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1700000031.25,\"a \\\"b\\\"\"]}}", body);
    }

    [Theory]
    [InlineData("1", "1700000031.25", "{\"resultType\":\"scalar\",\"result\":[1700000031.25,\"1\"]}")]
    [InlineData("time()", "1700000031.2", "{\"resultType\":\"scalar\",\"result\":[1700000031.2,\"1700000031.2\"]}")]
    [InlineData("1", "-1.5", "{\"resultType\":\"scalar\",\"result\":[-1.5,\"1\"]}")]
    [InlineData("vector(1)", "-1.5", "{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[-1.500,\"1\"]}]}")]
    [InlineData("x_total{job=\"a\"}", "1700000031.2", "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"1\",\"job\":\"a\"},\"value\":[1700000031.200,\"9\"]}]}")]
    public async Task Query_FractionalTime_ScalarsAsFloatVectorsWithThreeDigits(string query, string time, string data)
    {
        var (_, body) = await GetAsync("/api/v1/query?query=" + Q(query) + "&time=" + time);
        Assert.Equal("{\"status\":\"success\",\"data\":" + data + "}", body);
    }

    [Fact]
    public async Task Query_RangeVector_MillisecondTimestampsWithThreeDigits()
    {
        var (_, body) = await GetAsync("/api/v1/query?query=" + Q("x_total{job=\"b\"}[1m]") + "&time=1700000031");
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" +
            "{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"2\",\"job\":\"b\"},\"values\":[[1700000000,\"2\"],[1700000015,\"4\"],[1700000030.500,\"8\"]]}]}}",
            body);
    }

    [Fact]
    public async Task Query_RfcTimeAndPost_SameAsUnixSecondsGet()
    {
        var (status, root) = await PostAsync("/api/v1/query", ("query", "x_total{job=\"a\"}"), ("time", "2023-11-14T22:13:51Z"));
        Assert.Equal(HttpStatusCode.OK, status);
        var sample = Assert.Single(root.GetProperty("data").GetProperty("result").EnumerateArray());
        Assert.Equal("[1700000031,\"9\"]", sample.GetProperty("value").GetRawText());
    }

    [Fact]
    public async Task QueryRange_Matrix_PrometheusBody()
    {
        var (status, body) = await GetAsync("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=15");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" +
            "{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"1\",\"job\":\"a\"},\"values\":[[1700000000,\"1\"],[1700000015,\"5\"],[1700000030,\"9\"]]}," +
            "{\"metric\":{\"__name__\":\"x_total\",\"instance\":\"2\",\"job\":\"b\"},\"values\":[[1700000000,\"2\"],[1700000015,\"4\"],[1700000030,\"4\"]]}]}}",
            body);
    }

    [Theory]
    [InlineData("15s")]
    [InlineData("15.0")]
    [InlineData("1.5e1")]
    public async Task QueryRange_StepAsDurationOrFloat_SameResult(string step)
    {
        var (_, expected) = await GetAsync("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=15");
        var (_, body) = await GetAsync("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=" + Q(step));
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task QueryRange_ScalarQuery_ReturnsMatrixWithoutLabels()
    {
        var (_, body) = await GetAsync("/api/v1/query_range?query=" + Q("time()") + "&start=1700000000&end=1700000001&step=0.5");
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":" +
            "[[1700000000,\"1700000000\"],[1700000000.500,\"1700000000.5\"],[1700000001,\"1700000001\"]]}]}}",
            body);
    }

    [Theory]
    [InlineData("/api/v1/query?query=x_total%7B&time=1", "invalid parameter \"query\": 1:9: parse error: unexpected end of input inside braces")]
    [InlineData("/api/v1/query?query=sum(&time=1", "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis")]
    [InlineData("/api/v1/query?time=1", "invalid parameter \"query\": unknown position: parse error: no expression found in input")]
    [InlineData("/api/v1/query?query=foo(x_total)", "invalid parameter \"query\": 1:1: parse error: unknown function with name \"foo\"")]
    [InlineData("/api/v1/query?query=rate(x_total)", "invalid parameter \"query\": 1:6: parse error: expected type range vector in call to function \"rate\", got instant vector")]
    [InlineData("/api/v1/query?query=x_total&time=abc", "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a valid timestamp")]
    [InlineData("/api/v1/query?query=x_total&timeout=abc", "invalid parameter \"timeout\": cannot parse \"abc\" to a valid duration")]
    [InlineData("/api/v1/query?query=x_total&lookback_delta=abc", "error parsing lookback delta duration: cannot parse \"abc\" to a valid duration")]
    [InlineData("/api/v1/query?query=x_total&limit=x", "invalid parameter \"limit\": cannot parse \"x\" to a valid limit")]
    [InlineData("/api/v1/query_range?query=x_total{&start=1700000000&end=1700000030&step=15", "invalid parameter \"query\": 1:9: parse error: unexpected end of input inside braces")]
    [InlineData("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=0", "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")]
    [InlineData("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=-1", "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")]
    [InlineData("/api/v1/query_range?query=x_total&start=1700000000&end=1700000030&step=abc", "invalid parameter \"step\": cannot parse \"abc\" to a valid duration")]
    [InlineData("/api/v1/query_range?query=x_total&start=1700000030&end=1700000000&step=1", "invalid parameter \"end\": end timestamp must not be before start time")]
    [InlineData("/api/v1/query_range?query=x_total&start=1600000000&end=1700000000&step=1", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")]
    [InlineData("/api/v1/query_range?query=x_total&end=1700000000&step=1", "invalid parameter \"start\": cannot parse \"\" to a valid timestamp")]
    [InlineData("/api/v1/query_range?query=x_total[1m]&start=1700000000&end=1700000030&step=15", "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")]
    [InlineData("/api/v1/format_query?query=sum(", "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis")]
    [InlineData("/api/v1/query_exemplars?query=sum(", "1:5: parse error: unclosed left parenthesis")]
    [InlineData("/api/v1/metadata?limit=x", "limit must be a number")]
    public async Task BadRequests_400BadDataWithPrometheusWording(string url, string error)
    {
        var (status, body) = await GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(["status", "errorType", "error"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("bad_data", doc.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(error, doc.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Query_ManyToMany_422Execution()
    {
        var (status, body) = await GetAsync("/api/v1/query?time=1700000031&query=" + Q("x_total * on() x_total"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("execution", doc.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("many-to-many matching not allowed: matching labels must be unique on one side", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_TimeoutParameter_503Timeout()
    {
        var (status, body) = await GetAsync("/api/v1/query_range?query=" + Q("rate(x_total[1m])") + "&start=1700000000&end=1700000030&step=1&timeout=0.000001");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("timeout", doc.RootElement.GetProperty("errorType").GetString());
        Assert.StartsWith("query timed out in ", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_Limit_TruncatesWithWarning()
    {
        var (_, root) = await PostAsync("/api/v1/query", ("query", "x_total"), ("time", "1700000031"), ("limit", "1"));
        Assert.Single(root.GetProperty("data").GetProperty("result").EnumerateArray());
        Assert.Equal(["results truncated due to limit"], root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        var (_, range) = await PostAsync("/api/v1/query_range", ("query", "x_total"), ("start", "1700000000"), ("end", "1700000030"), ("step", "15"), ("limit", "1"));
        Assert.Equal("1", Assert.Single(range.GetProperty("data").GetProperty("result").EnumerateArray()).GetProperty("metric").GetProperty("instance").GetString());
        Assert.Equal(["results truncated due to limit"], range.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task Query_Annotations_WarningsAndInfosArrays()
    {
        var (_, warn) = await PostAsync("/api/v1/query", ("query", "histogram_quantile(2, h_bucket)"), ("time", "1700000031"));
        Assert.Equal(["PromQL warning: quantile value should be between 0 and 1, got 2 (1:20)"], warn.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("+Inf", Assert.Single(warn.GetProperty("data").GetProperty("result").EnumerateArray()).GetProperty("value")[1].GetString());

        var (_, info) = await PostAsync("/api/v1/query", ("query", "rate(temperature[1m])"), ("time", "1700000031"));
        Assert.False(info.TryGetProperty("warnings", out _));
        Assert.Equal(["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"temperature\" (1:6)"],
            info.GetProperty("infos").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task Query_LookbackDelta_ShortensHowFarBackSamplesAreFound()
    {
        var (_, normal) = await PostAsync("/api/v1/query", ("query", "temperature"), ("time", "1700000150"));
        Assert.Equal("24", Assert.Single(normal.GetProperty("data").GetProperty("result").EnumerateArray()).GetProperty("value")[1].GetString());
        var (_, shorter) = await PostAsync("/api/v1/query", ("query", "temperature"), ("time", "1700000150"), ("lookback_delta", "1m"));
        Assert.Empty(shorter.GetProperty("data").GetProperty("result").EnumerateArray());
    }

    [Fact]
    public async Task Query_Stats_TimingsAndSampleCounts()
    {
        var (_, root) = await PostAsync("/api/v1/query_range", ("query", "rate(x_total[1m])"), ("start", "1700000000"), ("end", "1700000030"), ("step", "15"), ("stats", "all"));
        var stats = root.GetProperty("data").GetProperty("stats");
        Assert.True(stats.GetProperty("timings").GetProperty("evalTotalTime").GetDouble() > 0);
        Assert.True(stats.GetProperty("timings").GetProperty("execTotalTime").GetDouble() >= stats.GetProperty("timings").GetProperty("evalTotalTime").GetDouble());
        // Note: Vigil counts each sample read from storage once (5 here: b's sample at 30.5 s is after the last step);
        // Prometheus counts a sample again at every step whose window holds it.
        Assert.Equal(5, stats.GetProperty("samples").GetProperty("totalQueryableSamples").GetInt64());
        Assert.True(stats.GetProperty("samples").GetProperty("peakSamples").GetInt32() > 0);
        var (_, without) = await PostAsync("/api/v1/query", ("query", "x_total"), ("time", "1700000031"));
        Assert.False(without.GetProperty("data").TryGetProperty("stats", out _));
    }

    [Fact]
    public async Task FormatQuery_ShortQuery_CanonicalOneLine()
    {
        var (status, body) = await GetAsync("/api/v1/format_query?query=" + Q("sum(rate(x_total[5m])) by (job)"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"status\":\"success\",\"data\":\"sum by (job) (rate(x_total[5m]))\"}", body);
    }

    [Theory]
    [InlineData(
        "sum by (job, instance) (rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\"}[5m])) / sum by (job, instance) (rate(http_requests_total[5m]))",
        "  sum by (job, instance) (rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\"}[5m]))\n/\n  sum by (job, instance) (rate(http_requests_total[5m]))")]
    [InlineData(
        "histogram_quantile(0.99, sum by (le, job, instance) (rate(http_request_duration_seconds_bucket{handler=\"/api/v1/query_range\",code=~\"5..\"}[5m])))",
        "histogram_quantile(\n  0.99,\n  sum by (le, job, instance) (\n    rate(http_request_duration_seconds_bucket{code=~\"5..\",handler=\"/api/v1/query_range\"}[5m])\n  )\n)")]
    [InlineData(
        "-max_over_time(rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\",instance=\"localhost:9090\"}[5m])[1h:1m])",
        "-max_over_time(\n  rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",instance=\"localhost:9090\"}[5m])[1h:1m]\n)")]
    [InlineData(
        "topk(5, sum by (job, instance) (rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\", instance=\"x\"}[5m])))",
        "topk(\n  5,\n  sum by (job, instance) (\n    rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",instance=\"x\"}[5m])\n  )\n)")]
    public async Task FormatQuery_LongQuery_SplitAndIndentedAsPrometheus(string query, string expected)
    {
        // Expected texts are Prometheus 2.42's answers for the same queries.
        var (_, root) = await PostAsync("/api/v1/format_query", ("query", query));
        Assert.Equal(expected, root.GetProperty("data").GetString());
    }

    [Fact]
    public async Task QueryExemplars_NoExemplarsStored_EmptySuccess()
    {
        var (status, body) = await GetAsync("/api/v1/query_exemplars?query=x_total&start=1700000000&end=1700000030");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"status\":\"success\",\"data\":[]}", body);
    }

    [Fact]
    public async Task BuildInfo_PrometheusShapeWithCompatibleVersion()
    {
        var (status, body) = await GetAsync("/api/v1/status/buildinfo");
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal("3.0.0", data.GetProperty("version").GetString());
        foreach (var field in new[] { "revision", "branch", "buildUser", "buildDate", "goVersion" })
        {
            Assert.Equal(JsonValueKind.String, data.GetProperty(field).ValueKind);
        }
        Assert.Equal("Vigil", data.GetProperty("application").GetString());
    }

    [Fact]
    public async Task Metadata_SelfMetricsWithTypeAndHelp_LimitsApply()
    {
        var (_, all) = await GetAsync("/api/v1/metadata");
        using var doc = JsonDocument.Parse(all);
        var data = doc.RootElement.GetProperty("data");
        var rss = Assert.Single(data.GetProperty("process_resident_memory_bytes").EnumerateArray());
        Assert.Equal("gauge", rss.GetProperty("type").GetString());
        Assert.Equal("Resident memory size in bytes.", rss.GetProperty("help").GetString());
        Assert.Equal("", rss.GetProperty("unit").GetString());
        Assert.Equal("counter", data.GetProperty("process_cpu_seconds_total")[0].GetProperty("type").GetString());
        Assert.True(data.EnumerateObject().Count() > 10);

        var (_, one) = await GetAsync("/api/v1/metadata?limit=1");
        Assert.Single(JsonDocument.Parse(one).RootElement.GetProperty("data").EnumerateObject());
        var (_, byName) = await GetAsync("/api/v1/metadata?metric=process_cpu_seconds_total");
        Assert.Equal(["process_cpu_seconds_total"], JsonDocument.Parse(byName).RootElement.GetProperty("data").EnumerateObject().Select(p => p.Name));
        var (_, none) = await GetAsync("/api/v1/metadata?metric=nope");
        Assert.Equal("{\"status\":\"success\",\"data\":{}}", none);
    }

    [Fact]
    public async Task Series_QuotedUtf8NameAndComment_ParsedByPromQLParser()
    {
        var (status, body) = await GetAsync("/api/v1/series?match[]=" + Q("{\"x_total\", job=\"a\"} # only a") + "&start=1700000000&end=1700000100");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"status\":\"success\",\"data\":[{\"__name__\":\"x_total\",\"instance\":\"1\",\"job\":\"a\"}]}", body);
    }

    [Fact]
    public async Task Series_NameGivenTwice_NoMatchInsteadOfError()
    {
        // Prometheus's series API does not type-check selectors: two names are two matchers that cannot both hold.
        var (status, body) = await GetAsync("/api/v1/series?match[]=" + Q("x_total{__name__=\"temperature\"}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"status\":\"success\",\"data\":[]}", body);
    }
}
