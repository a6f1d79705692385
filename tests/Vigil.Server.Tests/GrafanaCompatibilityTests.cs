using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>
/// The requests Grafana's Prometheus data source sends, as it sends them (form POSTs with Unix-second times and a
/// float step, GETs with <c>start</c>/<c>end</c> for the query editor's label lookups), and the answers it relies on.
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class GrafanaCompatibilityTests(QueryServerFixture fixture) : IClassFixture<QueryServerFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] form)
    {
        using var request = new HttpRequestMessage(method, path);
        if (form.Length > 0)
        {
            request.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        }
        request.Headers.Add("Accept", "application/json, text/plain, */*");
        request.Headers.Add("X-Grafana-Org-Id", "1");
        request.Headers.Add("User-Agent", "Grafana/11.3.0");
        using var r = await Http.SendAsync(request);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)r.StatusCode} {body}");
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task HealthCheck_OnePlusOneInstant_Scalar2()
    {
        var data = await SendAsync(HttpMethod.Post, "/api/v1/query", ("query", "1+1"), ("time", "1700000031.123"));
        Assert.Equal("scalar", data.GetProperty("resultType").GetString());
        Assert.Equal("[1700000031.123,\"2\"]", data.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Panel_RangeQueryWithFloatStepAndTimeout_MatrixPerJob()
    {
        var data = await SendAsync(HttpMethod.Post, "/api/v1/query_range",
            ("query", "sum by (job) (rate(x_total[1m]))"), ("start", "1700000000"), ("end", "1700000060"), ("step", "15"), ("timeout", "60s"));
        Assert.Equal("matrix", data.GetProperty("resultType").GetString());
        var series = data.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(["{\"job\":\"a\"}", "{\"job\":\"b\"}"], series.Select(s => s.GetProperty("metric").GetRawText()));
        Assert.All(series, s => Assert.All(s.GetProperty("values").EnumerateArray(), p => Assert.Equal(0, ((long)p[0].GetDouble() - 1700000000) % 15)));

        var fine = await SendAsync(HttpMethod.Post, "/api/v1/query_range", ("query", "x_total"), ("start", "1700000000"), ("end", "1700000001"), ("step", "0.5"));
        Assert.Equal(3, fine.GetProperty("result")[0].GetProperty("values").GetArrayLength());
    }

    [Fact]
    public async Task Panel_InstantQueryForTableOrStat_Vector()
    {
        var data = await SendAsync(HttpMethod.Post, "/api/v1/query", ("query", "sum(x_total)"), ("time", "1700000031"));
        Assert.Equal("{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1700000031,\"17\"]}]}", data.GetRawText());
    }

    [Fact]
    public async Task QueryEditor_LabelNamesGetAndPost()
    {
        // Note: without match[] the head block answers for all its series (as in Prometheus), including Vigil's own metrics.
        var get = await SendAsync(HttpMethod.Get, "/api/v1/labels?start=1700000000&end=1700000100");
        Assert.Superset(new HashSet<string>(["__name__", "instance", "job", "le"]), get.EnumerateArray().Select(e => e.GetString()!).ToHashSet());
        var post = await SendAsync(HttpMethod.Post, "/api/v1/labels", ("match[]", "x_total"), ("start", "1700000000"), ("end", "1700000100"));
        Assert.Equal(["__name__", "instance", "job"], post.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task MetricsBrowser_MetricNamesAndLabelValues()
    {
        var names = await SendAsync(HttpMethod.Get, "/api/v1/label/__name__/values?start=1700000000&end=1700000100");
        Assert.Superset(new HashSet<string>(["h_bucket", "temperature", "x_total"]), names.EnumerateArray().Select(e => e.GetString()!).ToHashSet());
        var filtered = await SendAsync(HttpMethod.Get, "/api/v1/label/__name__/values?match[]=" + Uri.EscapeDataString("{job=~\"a|b\"}") + "&start=1700000000&end=1700000100");
        Assert.Equal(["temperature", "x_total"], filtered.EnumerateArray().Select(e => e.GetString()));
        var jobs = await SendAsync(HttpMethod.Get, "/api/v1/label/job/values?match[]=" + Uri.EscapeDataString("x_total{instance=\"2\"}") + "&start=1700000000&end=1700000100");
        Assert.Equal(["b"], jobs.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task MetricsBrowser_SeriesForSelector()
    {
        var series = await SendAsync(HttpMethod.Get, "/api/v1/series?match[]=" + Uri.EscapeDataString("{__name__=\"x_total\"}") + "&start=1700000000&end=1700000100");
        Assert.Equal(2, series.GetArrayLength());
    }

    [Fact]
    public async Task DataSourceSettings_BuildInfoIsASemverGrafanaAccepts()
    {
        var data = await SendAsync(HttpMethod.Get, "/api/v1/status/buildinfo");
        var version = Version.Parse(data.GetProperty("version").GetString()!);
        // Grafana turns on the label match API, metadata and query formatting from Prometheus 2.24 on.
        Assert.True(version >= new Version(2, 24), version.ToString());
    }

    [Fact]
    public async Task QueryEditor_MetadataFormatQueryAndExemplars()
    {
        var metadata = await SendAsync(HttpMethod.Get, "/api/v1/metadata");
        Assert.Equal(JsonValueKind.Object, metadata.ValueKind);
        var formatted = await SendAsync(HttpMethod.Get, "/api/v1/format_query?query=" + Uri.EscapeDataString("sum(rate(x_total[5m]))by(job)"));
        Assert.Equal("sum by (job) (rate(x_total[5m]))", formatted.GetString());
        var exemplars = await SendAsync(HttpMethod.Post, "/api/v1/query_exemplars", ("query", "x_total"), ("start", "1700000000"), ("end", "1700000100"));
        Assert.Equal(0, exemplars.GetArrayLength());
    }
}
